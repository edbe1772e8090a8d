//! Static data pipeline: CSV text (compiled into the module with `include_str!`) -> typed rows ->
//! validated sets. Pure: no tables, so every shipped file is checked by `cargo test` natively.
//!
//! Every error names the file, the 1-based line and the 1-based column so a data author can jump
//! straight to the cell.

use serde::de::DeserializeOwned;
use std::fmt;

/// Where a data error is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: String,
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// 1-based column (field index); 0 when the error concerns the whole row or file.
    pub column: u64,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

impl DataError {
    pub fn at(file: &str, line: u64, column: u64, message: impl Into<String>) -> Self {
        DataError { file: file.to_string(), line, column, message: message.into() }
    }
}

/// A parsed row with the line it came from, so cross-checks after parsing can still point at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub line: u64,
    pub row: T,
}

/// Parse a CSV file with a header row into typed rows. Blank lines are skipped; lines starting
/// with `#` are comments. Fields are trimmed.
pub fn parse_csv<T: DeserializeOwned>(file: &str, text: &str) -> Result<Vec<Located<T>>, DataError> {
    // Drop comment and blank lines ourselves and keep a map back to the original line numbers:
    // the csv crate does not count skipped comment lines in its positions.
    let mut kept = String::with_capacity(text.len());
    let mut origin: Vec<u64> = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        kept.push_str(l);
        kept.push('\n');
        origin.push(i as u64 + 1);
    }
    let orig = |line: u64| origin.get((line as usize).wrapping_sub(1)).copied().unwrap_or(line);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).flexible(false).from_reader(kept.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(file, &e, &orig))?.clone();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(file, &e, &orig))?;
        let line = orig(record.position().map(|p| p.line()).unwrap_or(0));
        let row: T = record.deserialize(Some(&headers)).map_err(|e| {
            let column = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.field().map(|f| f + 1).unwrap_or(0),
                _ => 0,
            };
            let detail = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    let name = err.field().and_then(|f| headers.get(f as usize)).unwrap_or("?");
                    format!("column `{name}`: {}", err.kind())
                }
                other => format!("{other:?}"),
            };
            DataError::at(file, line, column, detail)
        })?;
        out.push(Located { line, row });
    }
    Ok(out)
}

fn csv_error(file: &str, e: &csv::Error, orig: &dyn Fn(u64) -> u64) -> DataError {
    let line = orig(e.position().map(|p| p.line()).unwrap_or(0));
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("row has {len} fields, the header has {expected_len}")
        }
        other => format!("{other:?}"),
    };
    DataError::at(file, line, 0, message)
}

/// Split a list cell (`a;b;c`) into trimmed, non-empty items.
pub fn list(cell: &str) -> Vec<String> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Find the 1-based column of a header name, for errors raised by cross-checks after parsing.
pub fn column_of(text: &str, header: &str) -> u64 {
    text.lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .and_then(|h| h.split(',').position(|c| c.trim() == header))
        .map(|p| p as u64 + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        id: String,
        n: u8,
    }

    #[test]
    fn parses_rows_with_their_lines() {
        let text = "id,n\n# comment\na,1\n\nb,2\n";
        let rows = parse_csv::<Row>("t.csv", text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, Row { id: "a".into(), n: 1 });
        assert_eq!(rows[0].line, 3);
        assert_eq!(rows[1].line, 5);
    }

    #[test]
    fn bad_cell_names_line_and_column() {
        let text = "id,n\na,1\nb,x\n";
        let err = parse_csv::<Row>("t.csv", text).unwrap_err();
        assert_eq!((err.file.as_str(), err.line, err.column), ("t.csv", 3, 2));
        assert!(err.message.contains("`n`"), "{}", err.message);
        assert!(err.to_string().starts_with("t.csv:3:2:"));
    }

    #[test]
    fn short_row_names_its_line() {
        let err = parse_csv::<Row>("t.csv", "id,n\na,1\nb\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("fields"), "{}", err.message);
    }

    #[test]
    fn list_cells_split_on_semicolons() {
        assert_eq!(list(" STR; CON ;"), vec!["STR".to_string(), "CON".to_string()]);
        assert!(list("").is_empty());
        assert_eq!(column_of("id,n\n", "n"), 2);
    }
}
