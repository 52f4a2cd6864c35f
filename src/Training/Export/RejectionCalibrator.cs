using CapsNetService.Common;
using CapsNetService.Common.Mnist;
using CapsNetService.Common.Rejection;
using CapsNetService.Training.Data;

namespace CapsNetService.Training.Export;

/// <summary>
/// Chooses a model's rejection thresholds and measures them, all under ONNX Runtime on the exported graph (what the
/// service runs):
/// <list type="number">
/// <item>choose (<see cref="ThresholdSelection"/>) on the held-out digits, the last <see cref="CalibrationSettings.ValidationImages"/>
///   MNIST training images, and on non-digits generated with the calibration seed;</item>
/// <item>measure on data the choice never saw: the MNIST test set (false rejections, accuracy on the accepted), the
///   non-digits of the evaluation seed (rejection by kind, against the capsule length alone), and the test digits
///   shifted, rotated and thickened.</item>
/// </list>
/// </summary>
public static class RejectionCalibrator
{
    public const int ShiftPixels = 3;
    public const double RotationDegrees = 20;

    /// <exception cref="ArgumentException">The training set is too small to hold the validation split out.</exception>
    public static RejectionCalibration Calibrate(byte[] classifier, MnistSet train, MnistSet test, CalibrationSettings settings,
                                                 DateTimeOffset now, Action<string>? log = null)
    {
        var problems = settings.Validate().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        int held = settings.ValidationImages;
        if (train.Count < 2 * held)
            throw new ArgumentException($"the training set has {train.Count} images; calibration holds out its last {held}, "
                                        + "and needs a set at least twice that size (the full MNIST training set has 60,000)");
        log ??= _ => { };
        using var scorer = new OnnxDigitScorer(classifier);

        int start = train.Count - held;
        var validation = new MnistSet(train.Pixels[(start * train.ImageSize)..], train.Labels[start..], train.Rows, train.Columns);
        var digits = scorer.Score(validation.ModelInput(0, held)).Select(s => s.Evidence).ToArray();
        log($"Scored {held:N0} held-out digits (MNIST training images {start:N0}–{train.Count - 1:N0})");

        var calibrationSet = new NonDigitGenerator(settings.CalibrationSeed, validation).Generate(settings.NonDigitsPerKind);
        var nonDigits = scorer.Score(Concat(calibrationSet.Select(s => s.Pixels))).Select(s => s.Evidence).ToArray();
        log($"Scored {nonDigits.Length:N0} generated non-digits (seed {settings.CalibrationSeed})");

        var choice = ThresholdSelection.Select(digits, nonDigits, settings.TargetFalseRejectionRate);
        log($"Chose capsule length ≥ {choice.Rule.MinCapsuleLength:G6} and reconstruction error ≤ {choice.Rule.MaxReconstructionError:G6}: "
            + $"on the calibration data it rejects {choice.DigitFalseRejectionRate:P2} of digits and {choice.NonDigitRejectionRate:P2} "
            + $"of non-digits (length alone ≥ {choice.LengthOnlyMinCapsuleLength:G6}: {choice.LengthOnlyNonDigitRejectionRate:P2})");

        var rule = choice.Rule;
        var baseline = choice.LengthOnlyRule;

        var testScores = scorer.Score(test.ModelInput(0, test.Count));
        var accepted = Enumerable.Range(0, test.Count).Where(i => rule.Accepts(testScores[i].Evidence)).ToArray();
        double accuracyOnAccepted = accepted.Length == 0 ? 0 : (double)accepted.Count(i => testScores[i].Digit == test.Labels[i]) / accepted.Length;
        var testEvidence = testScores.Select(s => s.Evidence).ToArray();
        log($"Scored the {test.Count:N0} MNIST test digits");

        var evaluationSet = new NonDigitGenerator(settings.EvaluationSeed, test).Generate(settings.NonDigitsPerKind);
        var evaluationEvidence = scorer.Score(Concat(evaluationSet.Select(s => s.Pixels))).Select(s => s.Evidence).ToArray();
        var classes = evaluationSet.Select((s, i) => (s.Kind, Evidence: evaluationEvidence[i]))
            .GroupBy(s => s.Kind)
            .Select(g => new NonDigitClassRate(g.Key.Name(), g.Count(),
                ThresholdSelection.Rate(g.Select(s => s.Evidence).ToArray(), e => !rule.Accepts(e)),
                ThresholdSelection.Rate(g.Select(s => s.Evidence).ToArray(), e => !baseline.Accepts(e))))
            .ToList();
        log($"Scored {evaluationSet.Count:N0} generated non-digits (seed {settings.EvaluationSeed})");

        var transformed = Transformed(scorer, test, settings.EvaluationSeed, rule, baseline);
        log("Scored the test digits shifted, rotated and thickened");

        return new RejectionCalibration
        {
            MinCapsuleLength = rule.MinCapsuleLength,
            MaxReconstructionError = rule.MaxReconstructionError,
            TargetFalseRejectionRate = settings.TargetFalseRejectionRate,
            LengthOnlyMinCapsuleLength = choice.LengthOnlyMinCapsuleLength,
            CalibratedOn = $"the last {held:N0} MNIST training images (the validation split) and {nonDigits.Length:N0} generated "
                           + $"non-digits ({settings.NonDigitsPerKind:N0} of each kind, seed {settings.CalibrationSeed})",
            CalibrationSeed = settings.CalibrationSeed,
            EvaluationSeed = settings.EvaluationSeed,
            CalibratedAt = now,
            TestDigits = test.Count,
            TestFalseRejectionRate = ThresholdSelection.Rate(testEvidence, e => !rule.Accepts(e)),
            TestAccuracyOnAccepted = accuracyOnAccepted,
            LengthOnlyTestFalseRejectionRate = ThresholdSelection.Rate(testEvidence, e => !baseline.Accepts(e)),
            NonDigits = evaluationSet.Count,
            NonDigitRejectionRate = ThresholdSelection.Rate(evaluationEvidence, e => !rule.Accepts(e)),
            LengthOnlyNonDigitRejectionRate = ThresholdSelection.Rate(evaluationEvidence, e => !baseline.Accepts(e)),
            NonDigitClasses = classes,
            TransformedDigits = transformed,
        };
    }

    /// <summary>Calibrates the model a models folder holds and writes its metadata back (capsnet.json and both ONNX
    /// files' metadata_props; the graphs unchanged), atomically as the exporter publishes.</summary>
    public static ModelMetadata CalibrateFolder(string directory, MnistSet train, MnistSet test, CalibrationSettings settings,
                                                DateTimeOffset now, Action<string>? log = null)
    {
        var classifier = File.ReadAllBytes(Path.Combine(directory, ModelContract.ModelFileName));
        var decoder = File.ReadAllBytes(Path.Combine(directory, ModelContract.DecoderFileName));
        var metadata = OnnxMetadataRewriter.ReadMetadata(classifier);
        if (!string.Equals(metadata.CheckpointSha256, OnnxMetadataRewriter.ReadMetadata(decoder).CheckpointSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{ModelContract.DecoderFileName} and {ModelContract.ModelFileName} in {directory} come from different checkpoints");

        var calibrated = metadata with { Rejection = Calibrate(classifier, train, test, settings, now, log) };
        ModelPublisher.Publish(directory, OnnxMetadataRewriter.WithMetadata(classifier, calibrated),
                               OnnxMetadataRewriter.WithMetadata(decoder, calibrated), calibrated);
        return calibrated;
    }

    private static List<TransformedDigitRate> Transformed(OnnxDigitScorer scorer, MnistSet test, int seed,
                                                          DigitAcceptance rule, DigitAcceptance baseline)
    {
        var random = new Random(seed);
        var original = test.ModelInput(0, test.Count);
        var transforms = new (string Name, Func<ReadOnlyMemory<float>, float[]> Apply)[]
        {
            ($"shifted {ShiftPixels} px", image => DigitTransforms.Shift(image.Span, Sign(random) * ShiftPixels, Sign(random) * ShiftPixels)),
            ($"rotated {RotationDegrees:0}°", image => DigitTransforms.Rotate(image.Span, Sign(random) * RotationDegrees)),
            ("thick strokes", image => DigitTransforms.Thicken(image.Span)),
        };
        var rates = new List<TransformedDigitRate>();
        foreach (var (name, apply) in transforms)
        {
            var images = new float[original.Length];
            for (int i = 0; i < test.Count; i++)
                apply(original.AsMemory(i * ModelContract.ImagePixels, ModelContract.ImagePixels)).CopyTo(images, i * ModelContract.ImagePixels);
            var scores = scorer.Score(images);
            var accepted = Enumerable.Range(0, test.Count).Where(i => rule.Accepts(scores[i].Evidence)).ToArray();
            rates.Add(new TransformedDigitRate(name, test.Count, (double)accepted.Length / test.Count,
                accepted.Length == 0 ? 0 : (double)accepted.Count(i => scores[i].Digit == test.Labels[i]) / accepted.Length,
                (double)scores.Count(s => baseline.Accepts(s.Evidence)) / test.Count));
        }
        return rates;
    }

    private static int Sign(Random random) => random.Next(2) == 0 ? -1 : 1;

    private static float[] Concat(IEnumerable<float[]> images) => images.SelectMany(i => i).ToArray();
}
