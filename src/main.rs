fn main() {
    std::process::exit(casstune::run());
}
