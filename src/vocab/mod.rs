//! Shared vocabulary below the stages: the words every stage speaks, and nothing stage-specific.
//!
//! In: plain strings and bytes. Out: [`OutputFile`] (one file of the built site), the escaping
//! rules for HTML attributes and inline JSON, the slug rule, and the front-matter keys every page
//! has, and the Norwegian title order ([`order`]). This module imports nothing from the crate except itself, so any stage, `config` and the
//! orchestrators may use it without creating a cycle; anything that needs a `Page`, a
//! `SiteGraph` or a template belongs in a stage instead.

mod escape;
mod keys;
pub mod order;
mod output_file;
mod slug;

pub use escape::{escape_attr, html_safe_json};
pub use keys::{
    COMMON_KEYS, GENERATED_FOLDERS, generated_folder_of, generated_folders_list, is_common_key,
};
pub use output_file::OutputFile;
pub use slug::slugify;
