//! Exhibitor lists published as tables: CSV and XLSX files, and the header matching the
//! HTML table reader shares. Headers are matched loosely, in English and Chinese
//! (Company/Exhibitor/展商/公司名称, Booth/Stand/展位号, Hall/展馆, Products/展品/产品,
//! Image/图片); a row that cannot be read is reported with its number and why, and the
//! others are still read.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

/// Files larger than this are refused before parsing: exhibitor lists are kilobytes to a
/// few megabytes, and an XLSX is a zip whose sheet can inflate far beyond its size.
pub const MAX_TABLE_BYTES: usize = 16 * 1024 * 1024;
/// An XLSX whose parts inflate past this is refused before the sheet is parsed: the
/// calamine reader holds the whole sheet in memory, so the compressed cap alone does not
/// bound memory.
pub const MAX_XLSX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;
/// Rows past this are not read (the result says how many were left).
pub const MAX_TABLE_ROWS: usize = 100_000;
/// The header is looked for in the first rows only (titles and notes often come first).
const HEADER_SEARCH_ROWS: usize = 10;

/// One exhibitor as a table lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExhibitorRow {
    /// The row's number in the file, 1-based, header rows included.
    pub row: usize,
    pub company: String,
    pub booth: String,
    pub hall: Option<String>,
    pub products: Vec<String>,
    /// As written in the file: resolve against the file's URL before fetching.
    pub image_urls: Vec<String>,
}

/// A row that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub reason: String,
}

/// What a table yielded: the rows read and the rows refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExhibitorTable {
    pub rows: Vec<ExhibitorRow>,
    pub errors: Vec<RowError>,
    /// Rows not read because of [`MAX_TABLE_ROWS`].
    pub rows_left: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("table of {len} bytes is over the {cap}-byte cap")]
    TooLarge { len: usize, cap: usize },
    #[error(
        "no header row naming a company/exhibitor column in the first {HEADER_SEARCH_ROWS} rows"
    )]
    NoHeader,
    #[error("CSV: {0}")]
    Csv(String),
    #[error("XLSX: {0}")]
    Xlsx(String),
    #[error("XLSX inflates to {inflated} bytes, over the {cap}-byte cap")]
    Inflates { inflated: u64, cap: u64 },
    #[error("XLSX has no worksheet")]
    NoSheet,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Company,
    Booth,
    Hall,
    Products,
    Image,
}

/// The role a header names, if any. Checked most specific first: "Product image" is an
/// image column, "Hall/Booth" a booth column, "Exhibitor" alone a company column.
pub(crate) fn role_of(header: &str) -> Option<Role> {
    let h = header.trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if h.is_empty() {
        None
    } else if has(&["image", "photo", "picture", "img", "图片", "照片", "图像"]) {
        Some(Role::Image)
    } else if has(&["product", "exhibit", "goods", "展品", "产品", "商品"])
        && !has(&["exhibitor", "展商"])
    {
        Some(Role::Products)
    } else if has(&["booth", "stand", "展位", "摊位"]) {
        Some(Role::Booth)
    } else if has(&["hall", "pavilion", "展馆", "展厅"]) {
        Some(Role::Hall)
    } else if has(&[
        "company",
        "exhibitor",
        "firm",
        "name",
        "展商",
        "公司",
        "企业",
        "厂商",
    ]) {
        Some(Role::Company)
    } else {
        None
    }
}

/// Column index per role (the first column of each role wins).
#[derive(Debug, Clone, Default)]
pub(crate) struct Columns {
    company: Option<usize>,
    booth: Option<usize>,
    hall: Option<usize>,
    products: Option<usize>,
    image: Option<usize>,
}

impl Columns {
    /// Reads a header row; `None` unless it names a company column.
    pub(crate) fn from_header<S: AsRef<str>>(cells: &[S]) -> Option<Self> {
        let mut cols = Self::default();
        for (i, cell) in cells.iter().enumerate() {
            let slot = match role_of(cell.as_ref()) {
                Some(Role::Company) => &mut cols.company,
                Some(Role::Booth) => &mut cols.booth,
                Some(Role::Hall) => &mut cols.hall,
                Some(Role::Products) => &mut cols.products,
                Some(Role::Image) => &mut cols.image,
                None => continue,
            };
            slot.get_or_insert(i);
        }
        cols.company.is_some().then_some(cols)
    }

    /// How many roles the header names.
    fn roles(&self) -> usize {
        [
            self.company,
            self.booth,
            self.hall,
            self.products,
            self.image,
        ]
        .iter()
        .flatten()
        .count()
    }

    pub(crate) fn image(&self) -> Option<usize> {
        self.image
    }

    /// One data row; `Ok(None)` for a blank row, `Err(reason)` for an unusable one.
    pub(crate) fn row<S: AsRef<str>>(
        &self,
        row: usize,
        cells: &[S],
    ) -> Result<Option<ExhibitorRow>, String> {
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map(|c| c.as_ref().trim().to_owned())
                .unwrap_or_default()
        };
        if cells.iter().all(|c| c.as_ref().trim().is_empty()) {
            return Ok(None);
        }
        let company = cell(self.company);
        if company.is_empty() {
            return Err("no company name".to_owned());
        }
        let hall = Some(cell(self.hall)).filter(|h| !h.is_empty());
        Ok(Some(ExhibitorRow {
            row,
            company,
            booth: cell(self.booth),
            hall,
            products: split_list(&cell(self.products)),
            image_urls: cell(self.image)
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|'))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }))
    }
}

/// "Cap, Bag; Belt、Scarf" → each product.
pub(crate) fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';', '|', '\n', '、', '，', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads numbered rows of cells (as produced by a CSV or sheet reader) into exhibitor
/// rows. The header is the first of the leading rows naming a company column and another
/// known column (so a title row like "Exhibitor list 2026" is passed over), else the
/// first naming a company column.
fn read_rows<I>(rows: I) -> Result<ExhibitorTable, TableError>
where
    I: Iterator<Item = (usize, Result<Vec<String>, String>)>,
{
    let mut table = ExhibitorTable::default();
    let mut rows = rows.peekable();
    let mut leading = Vec::new();
    while leading.len() < HEADER_SEARCH_ROWS {
        match rows.next() {
            Some(row) => leading.push(row),
            None => break,
        }
    }
    let header_at = |wanted: usize| {
        leading.iter().position(|(_, cells)| {
            cells
                .as_ref()
                .ok()
                .and_then(|c| Columns::from_header(c))
                .is_some_and(|c| c.roles() >= wanted)
        })
    };
    let at = header_at(2)
        .or_else(|| header_at(1))
        .ok_or(TableError::NoHeader)?;
    let columns = leading
        .get(at)
        .and_then(|(_, cells)| cells.as_ref().ok())
        .and_then(|c| Columns::from_header(c))
        .ok_or(TableError::NoHeader)?;
    let after_header = leading.into_iter().skip(at + 1);
    for (count, (row, cells)) in after_header.chain(rows).enumerate() {
        if count >= MAX_TABLE_ROWS {
            table.rows_left += 1;
            continue;
        }
        let result = cells.and_then(|cells| columns.row(row, &cells));
        match result {
            Ok(Some(r)) => table.rows.push(r),
            Ok(None) => {}
            Err(reason) => table.errors.push(RowError { row, reason }),
        }
    }
    Ok(table)
}

/// An exhibitor list in CSV (UTF-8, with or without BOM; comma, semicolon or tab
/// separated — whichever the first line uses most).
pub fn exhibitors_from_csv(bytes: &[u8]) -> Result<ExhibitorTable, TableError> {
    check_size(bytes)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    // Row numbers are the file's lines, counted from each record's byte offset: the
    // reader's own line count skips blank lines, and a quoted field may span lines (its row
    // is the line it starts on).
    let (mut counted_to, mut line) = (0usize, 1usize);
    let rows = reader.byte_records().map(move |record| {
        let at = match &record {
            Ok(r) => r.position().map(|p| p.byte() as usize),
            Err(e) => e.position().map(|p| p.byte() as usize),
        }
        .unwrap_or(counted_to)
        .min(bytes.len());
        // A record's offset is where the reader began, before the blank lines it skipped.
        let at = at
            + bytes.get(at..).map_or(0, |rest| {
                rest.iter()
                    .take_while(|b| matches!(b, b'\r' | b'\n'))
                    .count()
            });
        if at > counted_to {
            line += bytes
                .get(counted_to..at)
                .map_or(0, |s| s.iter().filter(|b| **b == b'\n').count());
            counted_to = at;
        }
        let cells = record.map_err(|e| e.to_string()).and_then(|record| {
            record
                .iter()
                .enumerate()
                .map(|(i, field)| {
                    String::from_utf8(field.to_vec())
                        .map_err(|_| format!("column {} is not UTF-8", i + 1))
                })
                .collect()
        });
        (line, cells)
    });
    read_rows(rows)
}

/// An exhibitor list in XLSX: the first worksheet.
pub fn exhibitors_from_xlsx(bytes: &[u8]) -> Result<ExhibitorTable, TableError> {
    check_size(bytes)?;
    check_inflated(bytes)?;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| TableError::Xlsx(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(TableError::NoSheet)?
        .map_err(|e| TableError::Xlsx(e.to_string()))?;
    // Row numbers are the sheet's (1-based), even when the used range starts lower.
    let first = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let rows = range.rows().enumerate().map(|(i, row)| {
        let cells = Ok(row
            .iter()
            .map(|cell| match cell {
                Data::Empty => String::new(),
                Data::Error(e) => format!("#{e:?}"),
                other => other.to_string(),
            })
            .collect());
        (first + i + 1, cells)
    });
    read_rows(rows)
}

/// Sums the sizes the zip's central directory declares. This stops honest giants and
/// ordinary zip bombs; a directory that understates its sizes is not caught here.
fn check_inflated(bytes: &[u8]) -> Result<(), TableError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| TableError::Xlsx(e.to_string()))?;
    let mut inflated: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| TableError::Xlsx(e.to_string()))?;
        inflated = inflated.saturating_add(entry.size());
    }
    if inflated > MAX_XLSX_INFLATED_BYTES {
        return Err(TableError::Inflates {
            inflated,
            cap: MAX_XLSX_INFLATED_BYTES,
        });
    }
    Ok(())
}

fn check_size(bytes: &[u8]) -> Result<(), TableError> {
    if bytes.len() > MAX_TABLE_BYTES {
        return Err(TableError::TooLarge {
            len: bytes.len(),
            cap: MAX_TABLE_BYTES,
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
