namespace CapsNetService.Training.Model;

/// <summary>The number format the two 9×9 convolutions compute in while training.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ConvolutionPrecision>))]
public enum ConvolutionPrecision
{
    /// <summary>Float32 throughout, as in the paper.</summary>
    Fp32,
    /// <summary>Mixed precision (<see cref="MixedPrecisionConv2d"/>): the convolutions compute in bfloat16 while
    /// training, everything else in float32.</summary>
    Bf16,
}
