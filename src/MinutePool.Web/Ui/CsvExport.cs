using System.Globalization;
using System.Text;
using CsvHelper;

namespace MinutePool.Web.Ui;

/// <summary>
/// CSV files for people and spreadsheets: RFC 4180 quoting by CsvHelper, UTF-8 with a byte-order mark
/// (so Excel reads non-ASCII names), invariant numbers, and text cells that would start a formula
/// (= + - @, tab, CR) prefixed with an apostrophe. Numbers are written as they are, so a negative
/// balance stays a number.
/// </summary>
public static class CsvExport
{
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    public static async Task<byte[]> WriteAsync(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows, CancellationToken cancellationToken = default)
    {
        await using var text = new StringWriter(CultureInfo.InvariantCulture);
        await using (var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\r\n", FormatProvider = CultureInfo.InvariantCulture }, leaveOpen: true))
        {
            foreach (var name in header)
            {
                csv.WriteField(name);
            }

            await csv.EndRecordAsync(cancellationToken);
            foreach (var row in rows)
            {
                foreach (var cell in row)
                {
                    csv.WriteField(Cell(cell));
                }

                await csv.EndRecordAsync(cancellationToken);
            }

            await csv.FlushAsync(cancellationToken);
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    /// <summary>
    /// Writes the same CSV to <paramref name="output"/> as rows arrive, for exports too long to hold in
    /// memory. Rows are formatted into a small text buffer that is written out asynchronously whenever it
    /// fills, because the response body refuses synchronous writes.
    /// </summary>
    public static async Task StreamAsync(Stream output, IReadOnlyList<string> header, IAsyncEnumerable<IReadOnlyList<object?>> rows, CancellationToken cancellationToken = default)
    {
        const int DrainAt = 64 * 1024;
        await output.WriteAsync(Encoding.UTF8.GetPreamble(), cancellationToken);
        await using var text = new StringWriter(CultureInfo.InvariantCulture);
        await using var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\r\n", FormatProvider = CultureInfo.InvariantCulture }, leaveOpen: true);

        async Task DrainAsync()
        {
            await csv.FlushAsync(cancellationToken);
            var buffered = text.GetStringBuilder();
            await output.WriteAsync(Encoding.UTF8.GetBytes(buffered.ToString()), cancellationToken);
            buffered.Clear();
        }

        foreach (var name in header)
        {
            csv.WriteField(name);
        }

        await csv.EndRecordAsync(cancellationToken);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            foreach (var cell in row)
            {
                csv.WriteField(Cell(cell));
            }

            await csv.EndRecordAsync(cancellationToken);
            if (text.GetStringBuilder().Length >= DrainAt)
            {
                await DrainAsync();
            }
        }

        await DrainAsync();
        await output.FlushAsync(cancellationToken);
    }

    public static IResult File(byte[] bytes, string fileName) => Results.File(bytes, "text/csv; charset=utf-8", fileName);

    private static string Cell(object? value) => value switch
    {
        null => "",
        string s when s.Length > 0 && FormulaStarts.Contains(s[0]) => "'" + s,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
