//! The test binary's allocator: the system's, plus a per-thread memory cap that a test arms around
//! code given hostile input. Over the cap, the allocation fails (the process aborts, which fails
//! the run) after a line on stderr that says what happened; under it, the thread's peak is kept
//! so that a test can assert it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct Capped;

thread_local! {
    // Const-initialised cells without destructors: reading them never allocates.
    static CAP: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) -> bool {
    let cap = CAP.try_with(|c| c.get()).unwrap_or(0);
    let Ok(live) = LIVE.try_with(|l| {
        let v = l.get().saturating_add(delta);
        l.set(v);
        v
    }) else {
        return true;
    };
    if cap == 0 {
        return true;
    }
    let _ = PEAK.try_with(|p| p.set(p.get().max(live)));
    if live > cap as isize {
        let msg = b"memcap: an input made one thread hold more memory than the test's cap; aborting\n";
        // SAFETY: writing a static buffer to the standard error descriptor.
        unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(delta)));
        return false;
    }
    true
}

unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !account(layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !account(layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !account(new_size as isize - layout.size() as isize) {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` with this thread's allocations capped at `cap` bytes more than it holds now; returns
/// its result and the most it held above that at any time.
pub fn capped<T>(cap: usize, f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(base));
    CAP.with(|c| c.set((base.max(0) as usize).saturating_add(cap)));
    let out = f();
    CAP.with(|c| c.set(0));
    let peak = PEAK.with(|p| p.get()) - base;
    (out, peak.max(0) as usize)
}

#[test]
fn the_cap_measures_what_a_thread_holds() {
    let (len, peak) = capped(1 << 30, || {
        let v = vec![1u8; 10 << 20];
        let w: Vec<u64> = (0..1000).collect();
        v.len() + w.len()
    });
    assert_eq!(len, (10 << 20) + 1000);
    assert!((10 << 20..11 << 20).contains(&peak), "{peak}");
}
