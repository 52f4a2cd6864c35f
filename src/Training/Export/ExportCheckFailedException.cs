namespace CapsNetService.Training.Export;

/// <summary>ONNX Runtime does not compute what TorchSharp does on the exported graph; nothing was written.</summary>
public sealed class ExportCheckFailedException(string message) : Exception(message);
