namespace CapsNetService.Training.Run;

/// <summary>A model over a whole set: mean loss, confusion matrix, and a few reconstructions for the report.</summary>
public sealed record EvaluationResult(double Loss, ConfusionMatrix Confusion, ReconstructionSample Sample)
{
    public double Accuracy => Confusion.Accuracy;
}
