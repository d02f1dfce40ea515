// The checked file-format layer (FileIO, FileError, SafeTensorsLayout, checked sizes, config checks) is its own
// target, built without -Ounchecked; every user of the engine sees it through `import Engine`.
@_exported import Formats
