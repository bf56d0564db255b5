//! Makes cargo recompile the crate when a file is added to or removed from the folders that
//! `include_dir!` embeds (`src/source/builtin.rs`); changes to existing files are tracked anyway.

fn main() {
    println!("cargo:rerun-if-changed=themes/default");
    println!("cargo:rerun-if-changed=init");
}
