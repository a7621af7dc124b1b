fn main() -> std::process::ExitCode {
    klyngemidler::memory::limit_malloc_arenas();
    klyngemidler::cli::run()
}
