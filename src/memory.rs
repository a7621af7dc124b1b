//! The process's memory: glibc's malloc arenas.
//!
//! glibc gives each thread that allocates while another holds an arena an
//! arena of its own, up to eight per core, and memory freed in one arena is
//! kept for that arena. The server runs a blocking thread per database
//! connection and per worker, so a burst of large reads (a year's report on
//! a generated database) left 20 MB more resident (`scripts/bench`, peak RSS
//! 86.6 MB against 66.9 MB with two arenas, at the same request rates).

/// Two arenas for the whole process, unless `MALLOC_ARENA_MAX` says otherwise
/// (glibc reads it itself). Call first in `main`, before any thread starts.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
