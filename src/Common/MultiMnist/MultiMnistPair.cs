namespace CapsNetService.Common.MultiMnist;

/// <summary>One digit of a pair: its index in the source <see cref="Mnist.MnistSet"/> and its shift in the canvas.</summary>
public readonly record struct DigitPlacement(int Index, int Dx, int Dy);

/// <summary>The recipe of one MultiMNIST image: two digits of different classes, each with its own shift. The pixels
/// follow from it and the source set (<see cref="MultiMnistRenderer"/>), so a set of pairs is stored as recipes.</summary>
public readonly record struct MultiMnistPair(DigitPlacement First, DigitPlacement Second);
