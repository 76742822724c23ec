// The toolkit's version, one for all three executables.
export const VERSION = "0.1.0";
