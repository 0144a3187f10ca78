namespace DragGan.Engine.Tests.Support;

/// <summary>
/// Locates the shared test data that sits beside the repository (../shared/fixtures), never inside it.
/// </summary>
public static class TestFixtures
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The real-format StyleGAN2-ADA checkpoint and its reference outputs.</summary>
    public static string TinyStyleGan2(string file) =>
        Path.Combine(RepositoryRoot, "..", "shared", "fixtures", "stylegan2-tiny-256", file);

    public static string TinyStyleGan2Pickle => TinyStyleGan2("stylegan2-tiny-256.pkl");

    /// <summary>A StyleGAN-Human checkpoint (256 x 128, padded to 256 x 256) and the official DragGAN code's outputs.</summary>
    public static string StyleGanHuman(string file) =>
        Path.Combine(RepositoryRoot, "..", "shared", "fixtures", "stylegan_human-tiny-256x128", file);

    public static string StyleGanHumanPickle => StyleGanHuman("stylegan_human-tiny-256x128.pkl");

    /// <summary>A TF-era StyleGAN2 pickle (config F layout) and the official DragGAN code's outputs for its conversion.</summary>
    public static string StyleGan2Tf(string file) =>
        Path.Combine(RepositoryRoot, "..", "shared", "fixtures", "stylegan2-tf-tiny-config-f-256", file);

    public static string StyleGan2TfPickle => StyleGan2Tf("stylegan2-tf-tiny-config-f-256.pkl");

    /// <summary>The StyleGAN3-T training snapshot and its reference outputs.</summary>
    public static string TinyStyleGan3(string file) =>
        Path.Combine(RepositoryRoot, "..", "shared", "fixtures", "stylegan3-tiny-t-256", file);

    public static string TinyStyleGan3Pickle => TinyStyleGan3("stylegan3-tiny-t-256.pkl");

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DragGan.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("DragGan.sln not found above the test binaries.");
    }
}
