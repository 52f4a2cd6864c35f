namespace CapsNetService.Training.Data;

/// <summary>The MNIST files are neither in the data folder nor downloadable.</summary>
public sealed class MnistUnavailableException(string message) : Exception(message);
