//! Parsing mini-notation frees everything it allocates. The grammar is recursive, and a
//! parser that holds itself strongly leaked about 7 KB per string (found by the front-end
//! fuzzer): in `phonon live` every reload parses every string of the program again.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator, counting bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn parsing_mini_notation_a_thousand_times_leaves_nothing_allocated() {
    let strings = [
        "bd*2 [sn cp]",
        "<a b, c d>",
        "{a b c}%4",
        "bd(3,8,2) sn?0.3 hh!3 cp@2",
        "a | b",
        "a . b c",
    ];
    // Warm up once (thread-local state of the test harness and the parser crate).
    for s in strings {
        phonon_compiler::mini::parse_mini(s, 0).unwrap();
    }
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..200 {
        for s in strings {
            phonon_compiler::mini::parse_mini(s, 0).unwrap();
        }
    }
    let grown = LIVE.load(Ordering::Relaxed) - before;
    assert!(
        grown < 4096,
        "{grown} bytes still allocated after 1,000 parses"
    );
}
