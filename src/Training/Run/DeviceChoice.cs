namespace CapsNetService.Training.Run;

/// <summary>Where to train: CUDA when available, CUDA or fail, or the CPU.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<DeviceChoice>))]
public enum DeviceChoice { Auto, Cuda, Cpu }
