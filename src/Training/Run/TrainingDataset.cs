namespace CapsNetService.Training.Run;

/// <summary>What a run trains on: one MNIST digit per 28×28 image, or two overlapping digits per 36×36 MultiMNIST
/// image (Sabour et al. 2017, Section 6).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TrainingDataset>))]
public enum TrainingDataset
{
    Mnist,
    MultiMnist,
}

/// <summary>The network a run trains: the CapsNet, or the paper's baseline CNN (MultiMNIST only).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ModelChoice>))]
public enum ModelChoice
{
    CapsNet,
    Cnn,
}
