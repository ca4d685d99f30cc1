using System.IO.Compression;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace TangentKit.Data.Readers;

/// <summary>
/// Renders an SVG or SVGZ file (the whole document or one element by id) into a square of opaque 8-bit RGB pixels,
/// through the system's librsvg-2 and cairo (P/Invoke; Linux). The drawing is scaled to fit the square with its
/// aspect ratio kept, centered, on a solid background: the card-suits task uses it for the card decks.
/// </summary>
public sealed class SvgRenderer : IDisposable
{
    const string Rsvg = "librsvg-2.so.2", Cairo = "libcairo.so.2", GObject = "libgobject-2.0.so.0",
        GLib = "libglib-2.0.so.0";

    IntPtr _handle;
    readonly Viewport _document;

    /// <summary>The file the renderer was loaded from (named in every error).</summary>
    public string Origin { get; }

    /// <summary>Document width in CSS pixels (96 dpi).</summary>
    public double Width => _document.Width;

    /// <summary>Document height in CSS pixels (96 dpi).</summary>
    public double Height => _document.Height;

    /// <summary>Loads <paramref name="path"/> (.svg, or gzip-compressed .svgz); the error names the file.</summary>
    public static SvgRenderer Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: SVG file not found.", path);
        return new SvgRenderer(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses SVG bytes (plain or gzip-compressed); errors name <paramref name="origin"/>.</summary>
    public SvgRenderer(byte[] svg, string origin)
    {
        Origin = origin;
        EnsureLibraries();
        if (svg.Length >= 2 && svg[0] == 0x1f && svg[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(svg), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            try { gz.CopyTo(plain); }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{origin}: broken gzip data ({e.Message}).", e);
            }
            svg = plain.ToArray();
        }
        _handle = rsvg_handle_new_from_data(svg, (nuint)svg.Length, out var error);
        if (_handle == IntPtr.Zero) throw Failure(error, "not an SVG librsvg can parse");
        if (!rsvg_handle_get_intrinsic_size_in_pixels(_handle, out double w, out double h) || w <= 0 || h <= 0)
        {
            Dispose();
            throw new InvalidDataException(
                $"{origin}: the SVG has no width and height in absolute units (got {w}×{h}); cannot size it.");
        }
        _document = new Viewport(0, 0, w, h);
    }

    /// <summary>True when the document has an element with this id (without the leading <c>#</c>).</summary>
    public bool HasElement(string id) => rsvg_handle_has_sub(Live(), "#" + id);

    /// <summary>
    /// The element <paramref name="id"/> (its logical bounds, clipped to them) fitted into size×size on
    /// <paramref name="background"/>: planar R, G, B bytes [3, size, size]. The error names file and element.
    /// </summary>
    public byte[] RenderElement(string id, int size, SKColor background)
    {
        var handle = Live();
        var sub = "#" + id;
        if (!rsvg_handle_has_sub(handle, sub))
            throw new KeyNotFoundException($"{Origin}: no element with id '{id}'.");
        if (!rsvg_handle_get_geometry_for_layer(handle, sub, in _document, out var ink, out var logical,
                out var error))
            throw Failure(error, $"cannot measure element '{id}'");
        var bounds = logical.Width > 0 && logical.Height > 0 ? logical : ink;
        if (bounds.Width <= 0 || bounds.Height <= 0)
            throw new InvalidDataException($"{Origin}: element '{id}' has empty bounds; nothing to render.");
        return Render(size, background, bounds, $"element '{id}'",
            (cr, viewport) => (rsvg_handle_render_layer(handle, cr, sub, in viewport, out var e), e));
    }

    /// <summary>
    /// The whole document fitted into size×size on <paramref name="background"/>: planar R, G, B bytes [3, size, size].
    /// </summary>
    public byte[] RenderDocument(int size, SKColor background)
    {
        var handle = Live();
        return Render(size, background, _document, "the document",
            (cr, viewport) => (rsvg_handle_render_document(handle, cr, in viewport, out var e), e));
    }

    delegate (bool Ok, IntPtr Error) Draw(IntPtr cairo, Viewport viewport);

    byte[] Render(int size, SKColor background, Viewport bounds, string what, Draw draw)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must be positive.");
        var surface = cairo_image_surface_create(CairoFormatArgb32, size, size);
        if (cairo_surface_status(surface) != 0)
        {
            cairo_surface_destroy(surface);
            throw new InvalidOperationException($"{Origin}: cairo cannot create a {size}×{size} surface.");
        }
        var cr = cairo_create(surface);
        try
        {
            cairo_set_source_rgb(cr, background.Red / 255.0, background.Green / 255.0, background.Blue / 255.0);
            cairo_paint(cr);
            // fit the bounds into the square, centered: device = offset + scale · (user − bounds origin)
            double scale = Math.Min(size / bounds.Width, size / bounds.Height);
            cairo_translate(cr, (size - bounds.Width * scale) / 2, (size - bounds.Height * scale) / 2);
            cairo_scale(cr, scale, scale);
            cairo_translate(cr, -bounds.X, -bounds.Y);
            cairo_rectangle(cr, bounds.X, bounds.Y, bounds.Width, bounds.Height);
            cairo_clip(cr);
            var (ok, error) = draw(cr, _document);
            if (!ok) throw Failure(error, $"cannot render {what}");
            if (cairo_status(cr) is var status and not 0)
                throw new InvalidOperationException($"{Origin}: cairo failed on {what} (cairo status {status}).");
            cairo_surface_flush(surface);
            return PlanarRgb(surface, size);
        }
        finally
        {
            cairo_destroy(cr);
            cairo_surface_destroy(surface);
        }
    }

    // cairo's ARGB32 is native-endian premultiplied: bytes B, G, R, A on x86-64; opaque here (painted background)
    static byte[] PlanarRgb(IntPtr surface, int size)
    {
        int stride = cairo_image_surface_get_stride(surface), plane = size * size;
        var row = new byte[stride * size];
        Marshal.Copy(cairo_image_surface_get_data(surface), row, 0, row.Length);
        var rgb = new byte[3 * plane];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int from = y * stride + 4 * x, to = y * size + x;
                rgb[to] = row[from + 2];
                rgb[plane + to] = row[from + 1];
                rgb[2 * plane + to] = row[from];
            }
        return rgb;
    }

    IntPtr Live() => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(Origin);

    Exception Failure(IntPtr error, string what)
    {
        string detail = "no reason given";
        if (error != IntPtr.Zero)
        {
            // GError { GQuark domain; gint code; gchar* message }
            detail = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(error, 8)) ?? detail;
            g_error_free(error);
        }
        return new InvalidDataException($"{Origin}: {what} (librsvg: {detail}).");
    }

    static bool _librariesChecked;

    // A missing librsvg or cairo otherwise surfaces as a bare DllNotFoundException at the first call.
    static void EnsureLibraries()
    {
        if (_librariesChecked) return;
        foreach (var (library, package) in new[]
                     { (Rsvg, "librsvg2-2"), (Cairo, "libcairo2"), (GObject, "libglib2.0-0"), (GLib, "libglib2.0-0") })
            if (!NativeLibrary.TryLoad(library, out _))
                throw new DllNotFoundException($"{library} cannot be loaded: SVG rendering needs the system's " +
                    $"librsvg and cairo; on Debian or Ubuntu 'apt-get install {package}' fixes it.");
        _librariesChecked = true;
    }

    /// <summary>Frees the librsvg handle.</summary>
    public void Dispose()
    {
        if (_handle == IntPtr.Zero) return;
        g_object_unref(_handle);
        _handle = IntPtr.Zero;
    }

    [StructLayout(LayoutKind.Sequential)]
    readonly record struct Viewport(double X, double Y, double Width, double Height);

    const int CairoFormatArgb32 = 0;

    [DllImport(Rsvg)] static extern IntPtr rsvg_handle_new_from_data(byte[] data, nuint length, out IntPtr error);
    [DllImport(Rsvg)] [return: MarshalAs(UnmanagedType.Bool)]
    static extern bool rsvg_handle_get_intrinsic_size_in_pixels(IntPtr handle, out double width, out double height);
    [DllImport(Rsvg)] [return: MarshalAs(UnmanagedType.Bool)]
    static extern bool rsvg_handle_has_sub(IntPtr handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string id);
    [DllImport(Rsvg)] [return: MarshalAs(UnmanagedType.Bool)]
    static extern bool rsvg_handle_get_geometry_for_layer(IntPtr handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string id,
        in Viewport viewport, out Viewport ink, out Viewport logical, out IntPtr error);
    [DllImport(Rsvg)] [return: MarshalAs(UnmanagedType.Bool)]
    static extern bool rsvg_handle_render_layer(IntPtr handle, IntPtr cairo,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string id, in Viewport viewport, out IntPtr error);
    [DllImport(Rsvg)] [return: MarshalAs(UnmanagedType.Bool)]
    static extern bool rsvg_handle_render_document(IntPtr handle, IntPtr cairo, in Viewport viewport, out IntPtr error);
    [DllImport(GObject)] static extern void g_object_unref(IntPtr instance);
    [DllImport(GLib)] static extern void g_error_free(IntPtr error);
    [DllImport(Cairo)] static extern IntPtr cairo_image_surface_create(int format, int width, int height);
    [DllImport(Cairo)] static extern int cairo_surface_status(IntPtr surface);
    [DllImport(Cairo)] static extern IntPtr cairo_create(IntPtr surface);
    [DllImport(Cairo)] static extern int cairo_status(IntPtr cairo);
    [DllImport(Cairo)] static extern void cairo_set_source_rgb(IntPtr cairo, double red, double green, double blue);
    [DllImport(Cairo)] static extern void cairo_paint(IntPtr cairo);
    [DllImport(Cairo)] static extern void cairo_translate(IntPtr cairo, double x, double y);
    [DllImport(Cairo)] static extern void cairo_scale(IntPtr cairo, double x, double y);
    [DllImport(Cairo)] static extern void cairo_rectangle(IntPtr cairo, double x, double y, double w, double h);
    [DllImport(Cairo)] static extern void cairo_clip(IntPtr cairo);
    [DllImport(Cairo)] static extern void cairo_surface_flush(IntPtr surface);
    [DllImport(Cairo)] static extern IntPtr cairo_image_surface_get_data(IntPtr surface);
    [DllImport(Cairo)] static extern int cairo_image_surface_get_stride(IntPtr surface);
    [DllImport(Cairo)] static extern void cairo_destroy(IntPtr cairo);
    [DllImport(Cairo)] static extern void cairo_surface_destroy(IntPtr surface);
}
