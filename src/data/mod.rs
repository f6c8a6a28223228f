//! The data the models learn: seeded 2-D sets, the reader's own points, the 8×8 digits.

pub mod digits;
pub mod toy; // ring8, moons, swiss roll, … and user-supplied points // the 8×8 handwritten digits, on the 8-bit grid
