using CapsNetService.Common.Rejection;

namespace CapsNetService.Common.Tests.Rejection;

/// <summary>The calibration travels in the model metadata: capsnet.json and the ONNX metadata_props.</summary>
public class RejectionMetadataTests
{
    private static readonly ModelMetadata Uncalibrated = new()
    {
        ModelVersion = "20261204-e33-5660f18c", TrainedAt = new DateTimeOffset(2026, 12, 4, 0, 48, 47, TimeSpan.Zero),
        Epochs = 33, TestAccuracy = 0.997, RoutingIterations = 3, CheckpointSha256 = new string('a', 64),
        Producer = "CapsNetService.Training", ProducerVersion = "1.0.0",
    };

    private static readonly RejectionCalibration Calibration = new()
    {
        MinCapsuleLength = 0.5321234567, MaxReconstructionError = 0.0412345678901, TargetFalseRejectionRate = 0.01,
        LengthOnlyMinCapsuleLength = 0.61, CalibratedOn = "the last 5,000 MNIST training images and 5,000 non-digits \"quoted\"",
        CalibrationSeed = 1, EvaluationSeed = 2, CalibratedAt = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero),
        TestDigits = 10_000, TestFalseRejectionRate = 0.0093, TestAccuracyOnAccepted = 0.9985, LengthOnlyTestFalseRejectionRate = 0.011,
        NonDigits = 5000, NonDigitRejectionRate = 0.97, LengthOnlyNonDigitRejectionRate = 0.71,
        NonDigitClasses = [new("letters", 1000, 0.95, 0.6), new("noise", 1000, 1.0, 0.9)],
        TransformedDigits = [new("rotated 20°", 10_000, 0.93, 0.995, 0.96)],
    };

    [Fact]
    public void A_calibrated_model_reads_back_equal_from_json_and_from_metadata_props()
    {
        var metadata = Uncalibrated with { Rejection = Calibration };

        var fromJson = ModelMetadata.FromJson(metadata.ToJson());
        var properties = metadata.ToProperties();
        var fromProperties = ModelMetadata.FromProperties(properties);

        Assert.Equal(metadata, fromJson);
        Assert.Equal(metadata, fromProperties);
        Assert.Equal(Calibration.MaxReconstructionError, fromProperties.Rejection!.MaxReconstructionError);
        Assert.Equal(new DigitAcceptance(0.5321234567, 0.0412345678901), fromProperties.Rejection.Rule);
        // metadata_props hold strings only: the calibration is one of them, the JSON of the object.
        Assert.StartsWith("{", properties[ModelMetadata.KeyPrefix + "rejection"]);
        Assert.Contains("\"rejection\": {", metadata.ToJson());
    }

    [Fact]
    public void A_different_calibration_is_not_equal()
    {
        var metadata = Uncalibrated with { Rejection = Calibration };
        var other = Uncalibrated with
        {
            Rejection = Calibration with { NonDigitClasses = [new("letters", 1000, 0.95, 0.6), new("noise", 1000, 0.99, 0.9)] },
        };
        Assert.NotEqual(metadata, other);
        Assert.NotEqual(metadata, Uncalibrated);
    }

    [Fact]
    public void A_model_without_calibration_reads_as_uncalibrated()
    {
        var json = Uncalibrated.ToJson();
        Assert.DoesNotContain("rejection", json);
        Assert.Null(ModelMetadata.FromJson(json).Rejection);
        Assert.Null(ModelMetadata.FromProperties(Uncalibrated.ToProperties()).Rejection);
        Assert.Equal(Uncalibrated, ModelMetadata.FromProperties(Uncalibrated.ToProperties()));
    }
}
