# MinutePool web host. Build: docker build -t minutepool .   (or: docker compose up --build)

# ---- build ---------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
WORKDIR /src

# Restore first, from the project files only, so that the restore layer is reused until a
# project file or the central package versions change. (NuGet.Config is copied when present.)
COPY .editorconfig Directory.Build.props Directory.Packages.props MinutePool.sln [Nn]u[Gg]et.[Cc]onfig ./
# COPY flattens globs: put each src/<Name>/<Name>.csproj back into its folder.
COPY src/*/*.csproj ./
RUN for f in *.csproj; do mkdir -p "src/${f%.csproj}" && mv "$f" "src/${f%.csproj}/"; done \
 && dotnet restore src/MinutePool.Web/MinutePool.Web.csproj

COPY src/ src/
RUN dotnet publish src/MinutePool.Web/MinutePool.Web.csproj -c Release -o /app/publish \
      --no-restore -p:UseAppHost=false

# ---- runtime -------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app/publish ./
# The application files stay root-owned (read-only for the app); only data/ (SQLite provider,
# the default when MinutePool__Database__Provider is not Postgres) is writable.
RUN mkdir -p /app/data && chown "$APP_UID:$APP_UID" /app/data
# The image's non-root `app` user.
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "MinutePool.Web.dll"]
