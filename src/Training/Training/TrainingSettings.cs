using CapsNetService.Training.Model;

namespace CapsNetService.Training.Training;

/// <summary>The options that shape the result, kept with the weights so that resume and reports know them.</summary>
public sealed record TrainingSettings(int Seed, int BatchSize, double LearningRate, double LearningRateDecay, int MaxShift,
                                      int Epochs, int? LimitTrain, int? LimitTest, string Command,
                                      ConvolutionPrecision Precision = ConvolutionPrecision.Fp32,
                                      double WeightAverageDecay = 0);
