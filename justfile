# tonghop tasks. Every recipe is a plain cargo command: nothing requires just.

default: run

# The main job on the demo inputs into outputs/.
run:
    cargo run --release

test:
    cargo test

# Formatting, lints and tests, as CI runs them.
check:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    cargo test

# Regenerate the committed demo sets inputs/2023-THD/ and inputs/2022-THD/ (a quieter year).
demo:
    rm -rf inputs/2023-THD inputs/2022-THD
    cargo run --release -- sample --units 51 --seed 2023 --activities 8 --missing 3 --rejected 2 --resubmitted 1 --late 1 --warned 3 --styles real --outputs .
    cargo run --release -- sample --period 2022-THD --units 51 --seed 2022 --activities 6 --missing 4 --rejected 1 --late 2 --warned 2 --styles real --magnitude 85 --outputs .

# Regenerate the ward forms of the district example examples/ba-dinh/inputs/.
example:
    rm -rf examples/ba-dinh/inputs
    cargo run --release -- sample --config examples/ba-dinh/config --units 14 --seed 247 --activities 8 --missing 1 --rejected 1 --late 2 --styles real --magnitude 8 --outputs examples/ba-dinh

# Blank forms for every unit into outputs/2023-THD/bieu_mau/.
templates:
    cargo run --release -- template

# National-scale benchmark: floor vs tonghop run vs demo (see docs/PERFORMANCE.md).
bench:
    cargo bench --bench scale

# A long mutation-fuzzing run of the reader.
fuzz cases="200000":
    PROPTEST_CASES={{cases}} cargo test --release --test suite fuzz::

# A long run of the direct xlsx reader against calamine on mutated XML.
fuzz-xml cases="300000":
    PROPTEST_CASES={{cases}} cargo test --release --test suite direct::mutated
