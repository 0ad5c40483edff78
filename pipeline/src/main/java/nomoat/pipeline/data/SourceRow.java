package nomoat.pipeline.data;

import java.util.Map;

/**
 * One row as read from an input file, before any interpretation.
 *
 * @param source   the configured source name (from config `prepare.sources[].name`)
 * @param location where the row came from, precise enough to find it again: {@code file:line}, {@code file#index}
 *                 (JSON array element / Parquet row) or {@code file@byteOffset}
 * @param fields   the parsed row (JSON object as Maps/Lists/Strings/Numbers/Booleans; CSV/Parquet columns)
 * @param raw      the row's original text when available (JSON/JSONL/CSV), else a JSON rendering of fields;
 *                 kept so a rejected row can be written out verbatim
 */
public record SourceRow(String source, String location, Map<String, Object> fields, String raw) implements java.io.Serializable {}
