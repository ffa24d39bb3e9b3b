//! What went wrong with a file: the error of every read and write in [`crate::fsio`]. It keeps the
//! path and the problem apart, so that a caller can tell a missing file from a refused one (the
//! library greys out a missing thumbnail, a training refuses a folder before its hours of work)
//! and the message a person reads always names the file.

use std::fmt;
use std::path::{Path, PathBuf};

/// A file and what went wrong with it. Shown as `PATH: PROBLEM`.
#[derive(Debug)]
pub struct FileError {
    pub path: PathBuf,
    pub problem: FileProblem,
}

/// Why a file could not be read or written.
#[derive(Debug)]
pub enum FileProblem {
    /// A path under `<shipped>/`: built into the binary, read-only.
    Shipped,
    /// A path under `<shipped>/` that names nothing built in.
    NotShipped { folder: bool },
    /// Nothing at the path (the browser's storage; on disk the system's error says so).
    Missing { folder: bool },
    /// A folder where a file of this kind was wanted.
    Folder { wanted: String },
    /// Not a regular file (a device, a pipe, a socket, a folder): never replaced by a write.
    NotRegular { what: &'static str },
    /// A symbolic link to something that is not a regular file.
    LinksTo { real: PathBuf, what: &'static str },
    /// A symbolic link whose target cannot be resolved.
    BrokenLink(std::io::Error),
    /// Larger than morphogen reads for a file of this kind.
    TooLarge { len: Option<u64>, limit: u64, wanted: String },
    /// A text file that is not UTF-8.
    NotText(std::string::FromUtf8Error),
    /// The folder a file is to be written in does not exist.
    NoFolder { folder: PathBuf },
    /// The folder a file is to be written in refuses a new file.
    FolderRefuses { folder: PathBuf, io: std::io::Error },
    /// A write that failed; the old file (or none) is left as it was.
    Write(std::io::Error),
    /// The browser's storage is full; the file is kept for this visit only.
    StorageFull { kb: usize },
    /// The browser refused a download.
    Download(&'static str),
    /// An image that could not be encoded.
    Encode(String),
    /// The system's error for a read, a listing or a removal.
    Io(std::io::Error),
}

impl FileError {
    pub fn new(path: &Path, problem: FileProblem) -> Self {
        FileError { path: path.to_path_buf(), problem }
    }

    /// The system's error for `path`.
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        Self::new(path, FileProblem::Io(e))
    }

    /// Whether nothing is at the path: a file that was never made, not one that is refused.
    pub fn is_missing(&self) -> bool {
        match &self.problem {
            FileProblem::Missing { .. } | FileProblem::NotShipped { .. } => true,
            FileProblem::Io(e) => e.kind() == std::io::ErrorKind::NotFound,
            _ => false,
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = |folder: &bool| if *folder { "folder" } else { "file" };
        match self {
            FileProblem::Shipped => write!(f, "built into morphogen, it cannot be written; name a file on disk"),
            FileProblem::NotShipped { folder } => write!(f, "no such {} among the shipped files", kind(folder)),
            FileProblem::Missing { folder } => write!(f, "no such {}", kind(folder)),
            FileProblem::Folder { wanted } => write!(f, "is a folder, not a {wanted}"),
            FileProblem::NotRegular { what } => write!(f, "is {what}; refusing to replace it"),
            FileProblem::LinksTo { real, what } => {
                write!(f, "a link to {}, which is {what}; refusing to replace it", real.display())
            }
            FileProblem::BrokenLink(e) => write!(f, "a symbolic link whose target cannot be written ({e})"),
            FileProblem::TooLarge { len: Some(len), limit, wanted } => {
                write!(f, "{len} bytes, over the limit of {limit} for a {wanted}")
            }
            FileProblem::TooLarge { len: None, limit, wanted } => {
                write!(f, "over the limit of {limit} bytes for a {wanted}")
            }
            FileProblem::NotText(e) => write!(f, "not UTF-8 text ({e})"),
            FileProblem::NoFolder { folder } => write!(f, "the folder {} does not exist", folder.display()),
            FileProblem::FolderRefuses { folder, io } => write!(f, "cannot write in {}: {io}", folder.display()),
            FileProblem::Write(e) => write!(f, "could not write: {e}"),
            FileProblem::StorageFull { kb } => {
                write!(f, "the browser's storage is full ({kb} kB more asked for); kept until the page is closed")
            }
            FileProblem::Download(what) => write!(f, "the browser refused the download ({what})"),
            FileProblem::Encode(e) => write!(f, "{e}"),
            FileProblem::Io(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            FileProblem::BrokenLink(e)
            | FileProblem::FolderRefuses { io: e, .. }
            | FileProblem::Write(e)
            | FileProblem::Io(e) => Some(e),
            FileProblem::NotText(e) => Some(e),
            _ => None,
        }
    }
}

/// Where the message is all the caller keeps (the CLI, the UI, layers not yet typed).
impl From<FileError> for String {
    fn from(e: FileError) -> String {
        e.to_string()
    }
}
