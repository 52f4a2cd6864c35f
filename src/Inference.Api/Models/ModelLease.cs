namespace CapsNetService.Inference.Api.Models;

/// <summary>A request's hold on the model it runs on; dispose it when the request no longer needs the model.</summary>
public sealed class ModelLease : IDisposable
{
    private int _released;

    internal ModelLease(LoadedModel model) => Model = model;

    public LoadedModel Model { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) Model.Release();
    }
}
