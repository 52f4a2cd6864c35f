using SkiaSharp;

namespace CapsNetService.Common.Imaging;

/// <summary>A row-major map of how much ink each pixel holds, 0 = background.</summary>
internal sealed class InkMap(float[] values, int width, int height)
{
    public float[] Values { get; } = values;
    public int Width { get; } = width;
    public int Height { get; } = height;

    public float this[int x, int y] => Values[y * Width + x];

    /// <summary>The map as it should be seen, given the file's EXIF orientation (the stored pixels of a phone
    /// photo are often sideways). TopLeft, the usual case, returns this map itself.</summary>
    public InkMap Upright(SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default) return this;
        bool swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
                            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int w = Width, h = Height;
        int outWidth = swaps ? h : w, outHeight = swaps ? w : h;
        var result = new float[Values.Length];
        for (int y = 0; y < outHeight; y++)
        for (int x = 0; x < outWidth; x++)
        {
            // (sx, sy): the stored pixel shown at (x, y). EXIF names say where the stored row 0 / column 0 go.
            var (sx, sy) = origin switch
            {
                SKEncodedOrigin.TopRight => (w - 1 - x, y),              // mirrored left-right
                SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),   // turned 180°
                SKEncodedOrigin.BottomLeft => (x, h - 1 - y),            // mirrored top-bottom
                SKEncodedOrigin.LeftTop => (y, x),                       // transposed
                SKEncodedOrigin.RightTop => (y, h - 1 - x),              // needs turning 90° clockwise
                SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),   // transverse
                SKEncodedOrigin.LeftBottom => (w - 1 - y, x),            // needs turning 90° anticlockwise
                _ => (x, y),
            };
            result[y * outWidth + x] = Values[sy * w + sx];
        }
        return new InkMap(result, outWidth, outHeight);
    }
}
