using System.Buffers;

namespace CapsNetService.Inference.Api.Explorer;

/// <summary>
/// What a digit capsule's dimensions mean (the paper's Figure 4), on the decoder graph under ONNX Runtime:
/// <see cref="Reconstruct"/> decodes one capsule; <see cref="Explore(DigitCapsule, PerturbationSweep)"/> moves each
/// of the 16 dimensions through the sweep's offsets and decodes all 16 × steps capsules in ONE decoder call (N = 176
/// by default); the image overload first classifies an upload and explores its predicted capsule, classifier and
/// decoder on the same model lease (a model swapped in meanwhile does not mix with the old one). The capsule and
/// image buffers are rented from a pool; every decoder call is timed and counted (in
/// <see cref="InferenceMetrics.DecoderBatchSizeName"/>) by the <see cref="InferenceRunner"/> that leases the model.
/// </summary>
public sealed class CapsuleExplorer(InferenceRunner runner, PredictionPipeline pipeline)
{
    public const int Dimensions = ModelContract.CapsuleDims;

    private const int SetValues = ModelContract.Classes * ModelContract.CapsuleDims;
    private const int Pixels = ModelContract.ImagePixels;

    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    public CapsuleReconstruction Reconstruct(DigitCapsule capsule)
    {
        using var lease = runner.Acquire();
        var (tiles, elapsed) = Decode(lease, capsule, sweep: null);
        return new CapsuleReconstruction(capsule, tiles, lease.Model.Version, elapsed);
    }

    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    public CapsuleExploration Explore(DigitCapsule capsule, PerturbationSweep sweep)
    {
        using var lease = runner.Acquire();
        return Explore(lease, capsule, sweep, prediction: null);
    }

    /// <summary>Classifies the upload (the refusals of POST /predict apply) and explores its predicted digit's capsule.</summary>
    /// <exception cref="ApiProblem">The image is refused.</exception>
    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    public CapsuleExploration Explore(ImageUpload upload, PerturbationSweep sweep)
    {
        using var lease = runner.Acquire();
        var outcome = pipeline.Predict([upload], batch: false, lease);
        return Explore(lease, DigitCapsule.Of(outcome.Images[0].Prediction), sweep, outcome);
    }

    private CapsuleExploration Explore(ModelLease lease, DigitCapsule capsule, PerturbationSweep sweep, PredictionOutcome? prediction)
    {
        var (tiles, elapsed) = Decode(lease, capsule, sweep);
        return new CapsuleExploration(capsule, sweep, new PerturbationGrid(tiles, Dimensions, sweep.Steps),
                                      lease.Model.Version, elapsed, prediction);
    }

    /// <summary>
    /// One decoder call: the capsule itself (no sweep), or Dimensions × Steps copies of it with dimension d moved by
    /// offset k in set d × Steps + k. Returns the images as grey levels, in the same order.
    /// </summary>
    private (byte[] Tiles, TimeSpan Elapsed) Decode(ModelLease lease, DigitCapsule capsule, PerturbationSweep? sweep)
    {
        int columns = sweep?.Steps ?? 1;
        int count = sweep is null ? 1 : Dimensions * columns;
        var pool = ArrayPool<float>.Shared;
        float[] sets = pool.Rent(count * SetValues), pixels = pool.Rent(count * Pixels);
        try
        {
            for (int n = 0; n < count; n++)
            {
                var row = capsule.WriteMasked(sets.AsSpan(n * SetValues, SetValues));
                if (sweep is not null) row[n / columns] += sweep.Offsets[n % columns];
            }

            var elapsed = runner.Decode(lease, sets, pixels, count);

            var tiles = new byte[count * Pixels];
            for (int i = 0; i < tiles.Length; i++) tiles[i] = GreyscalePng.ToGrey(pixels[i]);
            return (tiles, elapsed);
        }
        finally
        {
            pool.Return(sets);
            pool.Return(pixels);
        }
    }
}

/// <summary>A capsule and the decoder's image of it (28×28 grey levels), with the model that drew it and the call's time.</summary>
public sealed record CapsuleReconstruction(DigitCapsule Capsule, byte[] Image, string ModelVersion, TimeSpan Elapsed)
{
    public byte[] Png() => GreyscalePng.Encode(Image, ModelContract.ImageSide, ModelContract.ImageSide);
}

/// <summary>A capsule's sweep: the grid of images (row d: dimension d moved through the sweep's offsets), the model
/// and the one decoder call's time; for an upload, also what the classifier said about it.</summary>
public sealed record CapsuleExploration(
    DigitCapsule Capsule, PerturbationSweep Sweep, PerturbationGrid Grid, string ModelVersion, TimeSpan Elapsed,
    PredictionOutcome? Prediction);
