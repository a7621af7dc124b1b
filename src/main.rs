fn main() -> std::process::ExitCode {
    klyngemidler::cli::run()
}
