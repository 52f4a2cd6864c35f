
namespace CapsNetService.Inference.Api.Explorer;

/// <summary>
/// The decoder's images for a perturbation sweep (the paper's Figure 4): one row per capsule dimension, one column per
/// offset, each a 28×28 tile of grey levels. Encodes single tiles, or the whole grid as one PNG with
/// <see cref="Gutter"/>-pixel grey lines between the tiles.
/// </summary>
public sealed class PerturbationGrid
{
    public const int TileSide = ModelContract.ImageSide;
    public const int Gutter = 1;

    /// <summary>The grey of the gutters: dark enough not to distract, light enough to tell black tiles apart.</summary>
    public const byte GutterGrey = 0x50;

    private const int TilePixels = ModelContract.ImagePixels;

    private readonly byte[] _tiles;

    /// <param name="tiles">rows × columns tiles of 784 grey levels each, row-major (tile (r, c) at (r × columns + c) × 784).</param>
    public PerturbationGrid(byte[] tiles, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (tiles.Length != rows * columns * TilePixels)
            throw new ArgumentException($"{tiles.Length} grey levels are not {rows}×{columns} tiles", nameof(tiles));
        _tiles = tiles;
        Rows = rows;
        Columns = columns;
    }

    public int Rows { get; }
    public int Columns { get; }

    /// <summary>Width of the grid PNG: the tiles and the gutters between them (no outer border).</summary>
    public int Width => Columns * TileSide + (Columns - 1) * Gutter;
    public int Height => Rows * TileSide + (Rows - 1) * Gutter;

    /// <summary>Tile (<paramref name="row"/>, <paramref name="column"/>) as a 28×28 greyscale PNG.</summary>
    public byte[] TilePng(int row, int column) =>
        GreyscalePng.Encode(Tile(row, column).ToArray(), TileSide, TileSide);

    public ReadOnlySpan<byte> Tile(int row, int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Columns);
        return _tiles.AsSpan((row * Columns + column) * TilePixels, TilePixels);
    }

    /// <summary>The whole grid as one greyscale PNG of <see cref="Width"/> × <see cref="Height"/> pixels.</summary>
    public byte[] GridPng()
    {
        int width = Width;
        var grid = new byte[width * Height];
        grid.AsSpan().Fill(GutterGrey);
        for (int r = 0; r < Rows; r++)
        for (int c = 0; c < Columns; c++)
        {
            var tile = Tile(r, c);
            int left = c * (TileSide + Gutter), top = r * (TileSide + Gutter);
            for (int y = 0; y < TileSide; y++)
                tile.Slice(y * TileSide, TileSide).CopyTo(grid.AsSpan((top + y) * width + left, TileSide));
        }
        return GreyscalePng.Encode(grid, width, Height);
    }
}
