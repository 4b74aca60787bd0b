// The allocator: the compiler allocates many small strings and maps, and
// glibc's malloc/free was a quarter of `infragen diff`'s CPU at 10 000
// hosts (docs/performance.md). mimalloc is what ruff ships for the same
// reason.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(infragen::cli::main());
}
