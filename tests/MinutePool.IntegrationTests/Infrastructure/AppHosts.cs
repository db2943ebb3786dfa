using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace MinutePool.IntegrationTests.Infrastructure;

/// <summary>The real app on a PostgreSQL database: no demo seed, jobs off unless asked, plus any further settings.</summary>
public static class AppHosts
{
    public static WebApplicationFactory<Program> OnPostgres(string connectionString, bool jobs = false, params (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("MinutePool:Database:Provider", "Postgres");
            web.UseSetting("ConnectionStrings:MinutePool", connectionString);
            web.UseSetting("MinutePool:Demo:SeedOnEmptyDatabase", "false");
            web.UseSetting("MinutePool:Jobs:Enabled", jobs ? "true" : "false");
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
}
