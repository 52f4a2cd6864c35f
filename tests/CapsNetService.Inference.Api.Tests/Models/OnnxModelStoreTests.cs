
namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>The atomic swap: a request holding the old model finishes on it; the old model's sessions are disposed
/// only when its last lease is returned.</summary>
public sealed class OnnxModelStoreTests
{
    [Fact]
    public void An_empty_store_gives_no_lease()
    {
        using var store = new OnnxModelStore("/unused");
        Assert.Null(store.TryAcquire());
        Assert.False(store.IsLoaded);
    }

    [Fact]
    public void A_replaced_model_lives_until_its_last_lease_is_returned()
    {
        using var store = new OnnxModelStore("/unused");
        var first = Loaders.Load(TestModels.ClassifierBytes, TestModels.DecoderBytes);
        var second = Loaders.Load(ModelVariants.WithMetadata(TestModels.ClassifierBytes, "modelVersion", "second"), TestModels.DecoderBytes);
        store.Install(first);

        var lease = store.TryAcquire();
        Assert.NotNull(lease);
        store.Install(second);

        // The request that started on the first model can still run it.
        Assert.False(first.IsDisposed);
        Assert.Single(lease.Model.Classifier.Classify([new float[ModelContract.ImagePixels]]));
        Assert.Same(first, lease.Model);

        lease.Dispose();
        lease.Dispose(); // returning a lease twice is harmless
        Assert.True(first.IsDisposed);
        Assert.False(second.IsDisposed);

        using var next = store.TryAcquire();
        Assert.Same(second, next!.Model);
        Assert.Equal("second", next.Model.Version);
    }
}
