//! Fitting a calibration curve: the precision of matches as a non-increasing step function
//! of their distance, by pool-adjacent-violators (isotonic regression) with a Beta prior.
//!
//! Hand-written (about 30 lines) rather than taken from a crate: the one Rust PAV crate
//! (`pav_regression`, LGPL-3.0) pools points into weighted centroids and interpolates
//! linearly between them, which loses the block boundaries a step function over integer
//! distances needs, and it cannot carry a prior inside the pooling. Here the value of a
//! pooled block is its posterior mean under a Beta prior, so a block of three true matches
//! scores (3 + a) / (3 + a + b) and not 1.0, and the pooling itself keeps the posterior means
//! non-increasing.

/// Matches observed at one distance: how many were true, of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bin {
    /// Bits that differed.
    pub distance: u32,
    /// How many matches at this distance were true.
    pub trues: u64,
    /// How many matches were seen at this distance.
    pub total: u64,
}

/// Pseudo-counts added once to every pooled block: what a block with no evidence scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BetaPrior {
    /// Imagined true matches.
    pub trues: f64,
    /// Imagined false matches.
    pub falses: f64,
}

impl BetaPrior {
    /// Laplace's rule of succession: one true and one false match imagined per block.
    pub const LAPLACE: BetaPrior = BetaPrior {
        trues: 1.0,
        falses: 1.0,
    };

    /// The score of a block with no observations.
    pub fn mean(&self) -> f64 {
        self.trues / (self.trues + self.falses)
    }

    fn posterior(&self, trues: u64, total: u64) -> f64 {
        (trues as f64 + self.trues) / (total as f64 + self.trues + self.falses)
    }
}

/// A run of consecutive observed distances pooled into one estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// First observed distance pooled here.
    pub first: u32,
    /// Last observed distance pooled here.
    pub last: u32,
    /// How many of the pooled matches were true.
    pub trues: u64,
    /// How many matches were pooled.
    pub total: u64,
    /// The posterior mean precision of the block.
    pub precision: f64,
}

/// The non-increasing step function of distance closest (in the pool-adjacent-violators
/// sense) to the observed precisions, each block valued at its posterior mean. Bins with no
/// observation are ignored; the bins need not be sorted.
pub fn fit_non_increasing(bins: &[Bin], prior: BetaPrior) -> Vec<Block> {
    let mut sorted: Vec<Bin> = bins.iter().copied().filter(|b| b.total > 0).collect();
    sorted.sort_by_key(|b| b.distance);
    let mut blocks: Vec<Block> = Vec::with_capacity(sorted.len());
    for bin in sorted {
        blocks.push(Block {
            first: bin.distance,
            last: bin.distance,
            trues: bin.trues,
            total: bin.total,
            precision: prior.posterior(bin.trues, bin.total),
        });
        // A closer block must be at least as precise as a farther one: pool violators until
        // the stack is non-increasing again (each merge is re-checked against the block
        // before it, so the invariant holds for the whole stack).
        while blocks.len() >= 2
            && blocks[blocks.len() - 2].precision < blocks[blocks.len() - 1].precision
        {
            let Some(later) = blocks.pop() else { break };
            let Some(earlier) = blocks.last_mut() else {
                break;
            };
            earlier.last = later.last;
            earlier.trues += later.trues;
            earlier.total += later.total;
            earlier.precision = prior.posterior(earlier.trues, earlier.total);
        }
    }
    blocks
}

/// The fitted curve at every distance `0..=max_distance`. A distance no observation fell on
/// takes the value of the next block beyond it (the more cautious neighbour); beyond the
/// last block, no more than the prior's mean. The result is non-increasing.
pub fn dense_curve(blocks: &[Block], max_distance: u32, prior: BetaPrior) -> Vec<f32> {
    let mut curve = Vec::with_capacity(max_distance as usize + 1);
    let mut running = f64::INFINITY;
    for d in 0..=max_distance {
        let value = match blocks.iter().find(|b| b.last >= d) {
            Some(block) => block.precision,
            None => blocks
                .last()
                .map_or(prior.mean(), |b| b.precision.min(prior.mean())),
        };
        running = running.min(value);
        curve.push(running as f32);
    }
    curve
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(distance: u32, trues: u64, total: u64) -> Bin {
        Bin {
            distance,
            trues,
            total,
        }
    }

    #[test]
    fn pools_violators_into_a_non_increasing_posterior() {
        // Precision rises from distance 1 to 2 (1/2 then 9/10): the two are pooled.
        let bins = [
            bin(0, 50, 50),
            bin(1, 1, 2),
            bin(2, 9, 10),
            bin(3, 2, 10),
            bin(5, 0, 30),
        ];
        let blocks = fit_non_increasing(&bins, BetaPrior::LAPLACE);
        let summary: Vec<_> = blocks
            .iter()
            .map(|b| (b.first, b.last, b.trues, b.total))
            .collect();
        assert_eq!(
            summary,
            vec![(0, 0, 50, 50), (1, 2, 10, 12), (3, 3, 2, 10), (5, 5, 0, 30)]
        );
        assert!((blocks[1].precision - 11.0 / 14.0).abs() < 1e-12);
        assert!(blocks.windows(2).all(|w| w[0].precision >= w[1].precision));
    }

    #[test]
    fn the_prior_keeps_sparse_distances_from_claiming_certainty() {
        let blocks = fit_non_increasing(&[bin(0, 3, 3)], BetaPrior::LAPLACE);
        assert!((blocks[0].precision - 0.8).abs() < 1e-12, "{blocks:?}");
        let many = fit_non_increasing(&[bin(0, 998, 998)], BetaPrior::LAPLACE);
        assert!(many[0].precision > 0.998 && many[0].precision < 1.0);
        // Nothing observed at all: the prior's mean everywhere.
        assert_eq!(dense_curve(&[], 2, BetaPrior::LAPLACE), vec![0.5, 0.5, 0.5]);
    }

    #[test]
    fn a_block_pooled_with_the_prior_stays_non_increasing_when_small() {
        // 2/2 at distance 0 scores 0.75 alone, below 99/100 at distance 1 (0.98): pooled.
        let blocks = fit_non_increasing(&[bin(0, 2, 2), bin(1, 99, 100)], BetaPrior::LAPLACE);
        assert_eq!(blocks.len(), 1);
        assert!((blocks[0].precision - 102.0 / 104.0).abs() < 1e-12);
    }

    #[test]
    fn the_dense_curve_fills_gaps_cautiously_and_never_rises() {
        let blocks = fit_non_increasing(
            &[bin(1, 20, 20), bin(4, 5, 10), bin(6, 0, 8)],
            BetaPrior::LAPLACE,
        );
        let curve = dense_curve(&blocks, 9, BetaPrior::LAPLACE);
        assert_eq!(curve.len(), 10);
        let at = |d: usize| f64::from(curve[d]);
        assert!((at(0) - 21.0 / 22.0).abs() < 1e-6, "before the first block");
        assert!(
            (at(2) - 0.5).abs() < 1e-6,
            "a gap takes the next block: 6/12"
        );
        assert!((at(5) - 0.1).abs() < 1e-6, "1/10");
        assert!((at(9) - 0.1).abs() < 1e-6, "beyond the last block");
        assert!(curve.windows(2).all(|w| w[1] <= w[0]), "{curve:?}");
        assert!(curve.iter().all(|s| (0.0..=1.0).contains(s)));
    }

    #[test]
    fn random_fixtures_give_monotone_curves_within_zero_and_one() {
        // A small deterministic generator: the property must hold for any counts.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..200 {
            let bins: Vec<Bin> = (0..12)
                .map(|d| {
                    let total = next(20);
                    bin(d, next(total + 1), total)
                })
                .collect();
            let blocks = fit_non_increasing(&bins, BetaPrior::LAPLACE);
            assert!(blocks.windows(2).all(|w| w[0].precision >= w[1].precision));
            let observed: u64 = bins.iter().map(|b| b.total).sum();
            assert_eq!(blocks.iter().map(|b| b.total).sum::<u64>(), observed);
            let curve = dense_curve(&blocks, 15, BetaPrior::LAPLACE);
            assert!(curve.windows(2).all(|w| w[1] <= w[0]));
            assert!(curve.iter().all(|s| *s > 0.0 && *s < 1.0));
        }
    }
}
