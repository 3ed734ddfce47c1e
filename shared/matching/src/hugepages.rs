//! Large arrays backed by transparent huge pages where the kernel offers them.
//!
//! The multi-index's hash array and postings are hundreds of megabytes read at random: with
//! 4 KiB pages nearly every candidate is a TLB miss as well as a cache miss, and on a virtual
//! machine a TLB miss walks two page tables. Advising `MADV_HUGEPAGE` on the array before
//! its pages are first touched lets the kernel back it with 2 MiB pages when
//! `/sys/kernel/mm/transparent_hugepage/enabled` is `madvise` or `always`. It is only
//! advice: contents and results never depend on it, and where it is refused (another OS,
//! THP off, no free huge pages) the array is simply backed by ordinary pages.
//!
//! Hand-written because it is one system call on a range of a `Vec`: a huge-page allocator
//! crate would replace the global allocator or need its own container type.

/// Size of a transparent huge page on x86-64 and aarch64 Linux with 4 KiB base pages.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// Smallest array worth advising: smaller ones have at most a page or two of aligned
/// interior, and splitting the allocator's mapping for them is not worth a system call.
#[cfg(target_os = "linux")]
const MIN_BYTES: usize = 4 * HUGE_PAGE;

/// An empty vector with room for `capacity` elements, advised for huge pages before any of
/// them is written.
pub(crate) fn with_capacity<T>(capacity: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(capacity);
    advise(
        v.as_ptr().cast::<u8>(),
        capacity.saturating_mul(size_of::<T>()),
    );
    v
}

/// Advises huge pages for the 2 MiB-aligned interior of `len` bytes at `ptr`: only whole
/// huge pages inside the allocation, so no memory outside it is affected.
#[cfg(target_os = "linux")]
fn advise(ptr: *const u8, len: usize) {
    if len < MIN_BYTES {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
    let end = (ptr as usize).saturating_add(len) / HUGE_PAGE * HUGE_PAGE;
    if end <= start {
        return;
    }
    // SAFETY: [start, end) lies inside the allocation just made for the caller, so no one
    // else's memory is affected; MADV_HUGEPAGE changes how the kernel backs the pages, never
    // their contents. The result is ignored on purpose: a refusal (THP disabled, an old
    // kernel) leaves ordinary pages, which is correct, only slower.
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_ptr: *const u8, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advised_vectors_hold_what_was_put_in() {
        // Large enough to be advised on Linux, small enough for a unit test.
        let mut big: Vec<u32> = with_capacity(3 << 20);
        assert!(big.capacity() >= 3 << 20 && big.is_empty());
        big.resize(3 << 20, 7);
        assert!(big.iter().all(|&x| x == 7));
        let mut small: Vec<u64> = with_capacity(10);
        small.extend(0..10);
        assert_eq!(small.iter().sum::<u64>(), 45);
    }
}
