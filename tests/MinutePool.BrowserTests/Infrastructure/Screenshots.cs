namespace MinutePool.BrowserTests.Infrastructure;

/// <summary>Where screenshots go: artifacts/screenshots/ under the repository root (the folder of MinutePool.sln).</summary>
public static class Screenshots
{
    private static readonly Lazy<string> FolderPath = new(() =>
    {
        var folder = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        foreach (var old in Directory.EnumerateFiles(folder, "*.png"))
        {
            File.Delete(old); // only this run's pictures, so none is mistaken for today's
        }

        return folder;
    });

    public static string Folder => FolderPath.Value;

    /// <summary>artifacts/screenshots/&lt;test&gt;-&lt;step&gt;.png</summary>
    public static string PathFor(string testName, string step) => Path.Combine(Folder, $"{Safe(testName)}-{Safe(step)}.png");

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MinutePool.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No MinutePool.sln above {AppContext.BaseDirectory}.");
    }

    private static string Safe(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
