namespace MinutePool.Web.Demo;

/// <summary>
/// Prints the demo sign-ins to standard output once, when they are created. They go to the console, not
/// to the log, so no log file or sink ever holds a password or an API key.
/// </summary>
public static class DemoBanner
{
    public static void Print(DemoSignIns signIns)
    {
        var lines = new List<string>
        {
            "",
            "==================== MinutePool demo ====================",
            $"Account: {signIns.AccountName} ({signIns.AccountId})",
            "Sign-ins (shown only now; the passwords are stored hashed):",
        };
        lines.AddRange(signIns.People.Select(p =>
            $"  {p.Role,-8} {p.Email,-32} {p.Password}{(p.Workspace is null ? "" : $"   (workspace: {p.Workspace})")}"));
        lines.Add($"API key:  {signIns.ApiKey}");
        lines.Add("=========================================================");
        lines.Add("");
        Console.Out.WriteLine(string.Join(Environment.NewLine, lines));
        Console.Out.Flush();
    }
}
