//! Jarosz box-filter downsampling: two passes of a 1-D box filter along rows and columns
//! (a tent-like blur), then decimation to 64×64 by sampling the pixel under each output
//! centre.
//!
//! Hand-written rather than taken from an image crate because PDQ's bits depend on the exact
//! float arithmetic of Meta's reference (running `f32` sums, shrinking windows at the edges,
//! the window size rule): a different resampler moves bits near the median. This follows the
//! reference's published description step for step so that hashes are bit-identical.

/// PDQ's number of X/Y box-filter pass pairs (two make a tent filter).
const PASSES: usize = 2;

/// Window size for reducing `old` samples to `new`: half the reduction factor, rounded up,
/// because two passes together cover the full factor.
pub(crate) fn window_size(old: usize, new: usize) -> usize {
    old.div_ceil(2 * new)
}

/// Blurs `buffer` (rows × cols, row-major) in place with [`PASSES`] box passes along rows then
/// columns; `scratch` is a same-sized work buffer. The reference's filter as written: PDQ
/// runs [`jarosz_decimate_64`], and the tests hold the two to each other bit for bit.
#[cfg(test)]
fn jarosz_filter(
    buffer: &mut [f32],
    scratch: &mut [f32],
    rows: usize,
    cols: usize,
    window_along_rows: usize,
    window_along_cols: usize,
) {
    for _ in 0..PASSES {
        box_rows(buffer, scratch, rows, cols, window_along_rows);
        box_columns(scratch, buffer, rows, cols, window_along_cols);
    }
}

/// [`jarosz_filter`] followed by [`decimate_64`], bit for bit, computing of the last column
/// pass only the 64 columns and 64 rows that are sampled: that pass's divisions and stores
/// over the whole image were a quarter of the filter's work for a 64×64 result.
pub(crate) fn jarosz_decimate_64(
    buffer: &mut [f32],
    scratch: &mut [f32],
    rows: usize,
    cols: usize,
    window_along_rows: usize,
    window_along_cols: usize,
) -> [[f32; 64]; 64] {
    for pass in 0..PASSES {
        box_rows(buffer, scratch, rows, cols, window_along_rows);
        if pass + 1 < PASSES {
            box_columns(scratch, buffer, rows, cols, window_along_cols);
        }
    }
    box_columns_sampled(scratch, rows, cols, window_along_cols)
}

/// Where [`decimate_64`] samples output `index` of 64 along an axis of `length`.
fn sample_at(index: usize, length: usize) -> usize {
    (((index as f64 + 0.5) * length as f64) / 64.0) as usize
}

/// [`box_columns`] then [`decimate_64`], running the sums of the 64 sampled columns only
/// and dividing only at the 64 sampled rows: the same additions, subtractions and divisions
/// for each of those samples as the full pass, so the same bits.
fn box_columns_sampled(input: &[f32], rows: usize, cols: usize, window: usize) -> [[f32; 64]; 64] {
    let columns: [usize; 64] = std::array::from_fn(|k| sample_at(k, cols));
    let sampled_rows: [usize; 64] = std::array::from_fn(|k| sample_at(k, rows));
    let mut out = [[0.0f32; 64]; 64];
    let mut next_row = 0usize;
    // Stores the current averages into every output row sampled at input row `oi` (small
    // images sample a row more than once).
    let mut emit = |oi: usize, sums: &[f32; 64], count: u32| {
        while next_row < 64 && sampled_rows[next_row] == oi {
            for (cell, s) in out[next_row].iter_mut().zip(sums) {
                *cell = *s / count as f32;
            }
            next_row += 1;
        }
    };
    let half = (window + 2) / 2;
    let phase_1 = half - 1;
    let phase_2 = window - half + 1;
    let phase_3 = rows.saturating_sub(window);
    let phase_4 = half - 1;
    let at = |row: usize| -> [f32; 64] { columns.map(|c| input[row * cols + c]) };

    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sums = [0.0f32; 64];
    let mut count = 0u32;
    for _ in 0..phase_1 {
        sums.iter_mut().zip(at(ri)).for_each(|(s, v)| *s += v);
        count += 1;
        ri += 1;
    }
    for _ in 0..phase_2 {
        count += 1;
        sums.iter_mut().zip(at(ri)).for_each(|(s, v)| *s += v);
        emit(oi, &sums, count);
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase_3 {
        let (add, remove) = (at(ri), at(li));
        for ((s, v), old) in sums.iter_mut().zip(add).zip(remove) {
            *s += v;
            *s -= old;
        }
        emit(oi, &sums, count);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase_4 {
        count -= 1;
        sums.iter_mut().zip(at(li)).for_each(|(s, old)| *s -= old);
        emit(oi, &sums, count);
        li += 1;
        oi += 1;
    }
    out
}

/// Rows filtered together by [`box_rows`]: enough independent running sums to hide the
/// latency of each float addition.
const ROW_LANES: usize = 8;

/// [`box_1d`] along every row, [`ROW_LANES`] rows in lockstep: the same additions,
/// subtractions and divisions in the same order for each row (so the same bits), but one
/// row alone is a chain of dependent float additions, two per pixel, which made this pass
/// PDQ's largest cost; eight interleaved chains keep the processor busy.
fn box_rows(input: &[f32], output: &mut [f32], rows: usize, cols: usize, window: usize) {
    let blocks = input
        .chunks_exact(cols)
        .zip(output.chunks_exact_mut(cols))
        .take(rows);
    let mut ins: Vec<&[f32]> = Vec::with_capacity(ROW_LANES);
    let mut outs: Vec<&mut [f32]> = Vec::with_capacity(ROW_LANES);
    for (row_in, row_out) in blocks {
        ins.push(row_in);
        outs.push(row_out);
        if ins.len() == ROW_LANES {
            box_row_block::<ROW_LANES>(&ins, &mut outs, cols, window);
            ins.clear();
            outs.clear();
        }
    }
    // The last rows, one at a time.
    for (row_in, row_out) in ins.iter().zip(outs.iter_mut()) {
        box_row_block::<1>(&[row_in], &mut [&mut **row_out], cols, window);
    }
}

/// [`box_1d`]'s phases over `L` rows of `length` samples at once.
fn box_row_block<const L: usize>(
    ins: &[&[f32]],
    outs: &mut [&mut [f32]],
    length: usize,
    window: usize,
) {
    let (Some(ins), Some(outs)) = (ins.first_chunk::<L>(), outs.first_chunk_mut::<L>()) else {
        return;
    };
    let half = (window + 2) / 2;
    let phase_1 = half - 1;
    let phase_2 = window - half + 1;
    let phase_3 = length.saturating_sub(window);
    let phase_4 = half - 1;

    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sums = [0.0f32; L];
    let mut count = 0u32;
    for _ in 0..phase_1 {
        for (s, row) in sums.iter_mut().zip(ins) {
            *s += row[ri];
        }
        count += 1;
        ri += 1;
    }
    for _ in 0..phase_2 {
        count += 1;
        for ((s, row), out) in sums.iter_mut().zip(ins).zip(outs.iter_mut()) {
            *s += row[ri];
            out[oi] = *s / count as f32;
        }
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase_3 {
        for ((s, row), out) in sums.iter_mut().zip(ins).zip(outs.iter_mut()) {
            *s += row[ri];
            *s -= row[li];
            out[oi] = *s / count as f32;
        }
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase_4 {
        count -= 1;
        for ((s, row), out) in sums.iter_mut().zip(ins).zip(outs.iter_mut()) {
            *s -= row[li];
            out[oi] = *s / count as f32;
        }
        li += 1;
        oi += 1;
    }
}

/// [`box_1d`] down every column at once, a row at a time: the same additions, subtractions
/// and divisions in the same order for each column (so the same bits), but reading memory
/// in order instead of one cache line per sample — the column pass was PDQ's largest cost.
fn box_columns(input: &[f32], output: &mut [f32], rows: usize, cols: usize, window: usize) {
    let half = (window + 2) / 2;
    let phase_1 = half - 1;
    let phase_2 = window - half + 1;
    let phase_3 = rows.saturating_sub(window);
    let phase_4 = half - 1;
    let row = |i: usize| i * cols..(i + 1) * cols;

    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sums = vec![0.0f32; cols];
    let mut count = 0u32;
    for _ in 0..phase_1 {
        sums.iter_mut()
            .zip(&input[row(ri)])
            .for_each(|(s, &v)| *s += v);
        count += 1;
        ri += 1;
    }
    for _ in 0..phase_2 {
        count += 1;
        for ((s, &v), out) in sums
            .iter_mut()
            .zip(&input[row(ri)])
            .zip(&mut output[row(oi)])
        {
            *s += v;
            *out = *s / count as f32;
        }
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase_3 {
        let (add, remove) = (row(ri), row(li));
        for (((s, &v), &old), out) in sums
            .iter_mut()
            .zip(&input[add])
            .zip(&input[remove])
            .zip(&mut output[row(oi)])
        {
            *s += v;
            *s -= old;
            *out = *s / count as f32;
        }
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase_4 {
        count -= 1;
        for ((s, &old), out) in sums
            .iter_mut()
            .zip(&input[row(li)])
            .zip(&mut output[row(oi)])
        {
            *s -= old;
            *out = *s / count as f32;
        }
        li += 1;
        oi += 1;
    }
}

/// Box average of `length` samples spaced `stride` apart, with a window that is centred on
/// each output and shrinks at both ends (the sum divided by the samples actually covered).
/// The reference's pass as written; [`box_rows`] and [`box_columns`] run it on many rows
/// or columns at once, and the tests hold them to it bit for bit.
#[cfg(test)]
fn box_1d(input: &[f32], output: &mut [f32], length: usize, stride: usize, window: usize) {
    let half = (window + 2) / 2;
    let phase_1 = half - 1;
    let phase_2 = window - half + 1;
    let phase_3 = length.saturating_sub(window);
    let phase_4 = half - 1;

    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sum = 0.0f32;
    let mut count = 0u32;
    for _ in 0..phase_1 {
        sum += input[ri];
        count += 1;
        ri += stride;
    }
    for _ in 0..phase_2 {
        sum += input[ri];
        count += 1;
        output[oi] = sum / count as f32;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase_3 {
        sum += input[ri];
        sum -= input[li];
        output[oi] = sum / count as f32;
        li += stride;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase_4 {
        sum -= input[li];
        count -= 1;
        output[oi] = sum / count as f32;
        li += stride;
        oi += stride;
    }
}

/// Samples the blurred `input` (rows × cols) at the centres of a 64×64 grid.
#[cfg(test)]
fn decimate_64(input: &[f32], rows: usize, cols: usize) -> [[f32; 64]; 64] {
    let mut out = [[0.0f32; 64]; 64];
    for (oi, out_row) in out.iter_mut().enumerate() {
        let i = sample_at(oi, rows);
        for (oj, cell) in out_row.iter_mut().enumerate() {
            let j = sample_at(oj, cols);
            *cell = input[i * cols + j];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact bits of each value: "bit for bit" compares these, not float equality.
    fn bits(values: &[f32]) -> Vec<u32> {
        values.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn box_window_shrinks_at_the_edges() {
        // Window 3 over 0..5: edges average two samples, the middle three.
        let input = [0.0, 1.0, 2.0, 3.0, 4.0];
        let mut out = [0.0; 5];
        box_1d(&input, &mut out, 5, 1, 3);
        assert_eq!(out, [0.5, 1.0, 2.0, 3.0, 3.5]);
    }

    #[test]
    fn the_column_pass_equals_the_strided_one_bit_for_bit() {
        let (rows, cols) = (37, 5);
        let input: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 7919) % 251) as f32 / 7.0)
            .collect();
        for window in [1, 2, 3, 8] {
            let mut strided = vec![0.0; rows * cols];
            for c in 0..cols {
                box_1d(&input[c..], &mut strided[c..], rows, cols, window);
            }
            let mut by_rows = vec![0.0; rows * cols];
            box_columns(&input, &mut by_rows, rows, cols, window);
            assert_eq!(bits(&by_rows), bits(&strided), "window {window}");
        }
    }

    #[test]
    fn the_row_pass_equals_the_one_row_at_a_time_bit_for_bit() {
        // 37 rows: four blocks of eight rows in lockstep and five left over.
        let (rows, cols) = (37, 29);
        let input: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 7919) % 251) as f32 / 7.0)
            .collect();
        for window in [1, 2, 3, 8] {
            let mut one_by_one = vec![0.0; rows * cols];
            for r in 0..rows {
                let range = r * cols..(r + 1) * cols;
                box_1d(
                    &input[range.clone()],
                    &mut one_by_one[range],
                    cols,
                    1,
                    window,
                );
            }
            let mut blocked = vec![0.0; rows * cols];
            box_rows(&input, &mut blocked, rows, cols, window);
            assert_eq!(bits(&blocked), bits(&one_by_one), "window {window}");
        }
    }

    #[test]
    fn sampled_filter_equals_filter_then_decimate_bit_for_bit() {
        // Large and small on each axis (small images sample rows and columns twice), and
        // windows from 1 up to the whole image.
        for (rows, cols) in [(150, 97), (64, 64), (33, 200), (9, 5), (301, 64), (128, 7)] {
            let input: Vec<f32> = (0..rows * cols)
                .map(|i| ((i * 7919) % 251) as f32 / 7.0 + (i % 13) as f32 * 0.1)
                .collect();
            for (wr, wc) in [
                (window_size(cols, 64), window_size(rows, 64)),
                (1, 1),
                (3, 5),
                (cols, rows),
            ] {
                let mut full = input.clone();
                let mut scratch = vec![0.0; input.len()];
                jarosz_filter(&mut full, &mut scratch, rows, cols, wr, wc);
                let expected = decimate_64(&full, rows, cols);
                let mut buffer = input.clone();
                let got = jarosz_decimate_64(&mut buffer, &mut scratch, rows, cols, wr, wc);
                let bits = |a: &[[f32; 64]; 64]| {
                    a.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>()
                };
                assert_eq!(
                    bits(&got),
                    bits(&expected),
                    "{rows}x{cols} windows {wr},{wc}"
                );
            }
        }
    }

    #[test]
    fn window_is_half_the_reduction_rounded_up() {
        assert_eq!(window_size(1024, 64), 8);
        assert_eq!(window_size(1025, 64), 9);
        assert_eq!(window_size(64, 64), 1);
        assert_eq!(window_size(5, 64), 1);
    }
}
