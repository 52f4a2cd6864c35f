using CapsNetService.Common;

namespace CapsNetService.Training.Export;

/// <param name="Directories">Where the model was published.</param>
/// <param name="KeptBetter">Folders left as they were because they already hold a model at least as accurate
/// (only with <c>onlyIfBetter</c>), with that model's metadata.</param>
public sealed record ExportResult(IReadOnlyList<string> Directories, ModelMetadata Metadata, ParityReport Parity, long ClassifierBytes, long DecoderBytes,
                                  IReadOnlyList<(string Directory, ModelMetadata Published)> KeptBetter);
