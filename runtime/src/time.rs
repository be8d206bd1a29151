//! Exact time: rationals of i64 with i128 intermediate products, always in lowest terms with a
//! positive denominator. Cycle positions, event boundaries and pattern arguments are all
//! `Rational`; floats enter only through `from_f64`, which reproduces Strudel's conversion.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    num: i64,
    den: i64,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `x / g` where `g` is known to divide `x`: free for 1, a shift for powers of two.
#[inline]
fn div_exact(x: i64, g: i64) -> i64 {
    if g == 1 {
        x
    } else if g.count_ones() == 1 {
        x >> g.trailing_zeros()
    } else {
        x / g
    }
}

/// Binary gcd on 64 bits: no divisions, which are what makes rational arithmetic slow.
fn gcd64(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    if a == 1 || b == 1 {
        return 1;
    }
    // Musical time is mostly dyadic: with a power of two the gcd is a power of two too.
    if b.is_power_of_two() && a != 0 {
        return 1 << a.trailing_zeros().min(b.trailing_zeros());
    }
    if a.is_power_of_two() && b != 0 {
        return 1 << a.trailing_zeros().min(b.trailing_zeros());
    }
    if a == 0 {
        return b as i64;
    }
    if b == 0 {
        return a as i64;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return (a << shift) as i64;
        }
    }
}

impl Rational {
    pub const ZERO: Rational = Rational { num: 0, den: 1 };
    pub const ONE: Rational = Rational { num: 1, den: 1 };

    /// `num/den` in lowest terms. A zero denominator gives zero rather than a panic: the
    /// callers that can produce one (user-given factors) check for it first.
    pub fn new(num: i64, den: i64) -> Rational {
        Self::from_i128(num as i128, den as i128)
    }

    pub const fn int(n: i64) -> Rational {
        Rational { num: n, den: 1 }
    }

    fn from_i128(num: i128, den: i128) -> Rational {
        if den == 0 {
            return Rational::ZERO;
        }
        let g = gcd(num, den).max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        match (i64::try_from(n), i64::try_from(d)) {
            (Ok(num), Ok(den)) => Rational { num, den },
            // Beyond i64 only after thousands of nested operations; approximate rather than fail.
            _ => Rational::from_f64(n as f64 / d as f64),
        }
    }

    pub fn num(self) -> i64 {
        self.num
    }

    pub fn den(self) -> i64 {
        self.den
    }

    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The largest integer not above this value.
    #[inline]
    pub fn floor(self) -> Rational {
        if self.den == 1 {
            return self;
        }
        if self.den.count_ones() == 1 {
            // An arithmetic shift floors towards minus infinity, like div_euclid here.
            return Rational::int(self.num >> self.den.trailing_zeros());
        }
        Rational::int(self.num.div_euclid(self.den))
    }

    pub fn ceil(self) -> Rational {
        -(-self).floor()
    }

    /// The start of the cycle this time falls in (`sam` in Tidal).
    pub fn sam(self) -> Rational {
        self.floor()
    }

    pub fn next_sam(self) -> Rational {
        self.sam() + Rational::ONE
    }

    /// Position within the cycle, in [0, 1).
    pub fn cycle_pos(self) -> Rational {
        self - self.sam()
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn min(self, other: Rational) -> Rational {
        if self <= other { self } else { other }
    }

    pub fn max(self, other: Rational) -> Rational {
        if self >= other { self } else { other }
    }

    /// A double as fraction.js 5.3 (Strudel's `Fraction(x)`) turns it into a fraction: exact for
    /// integers, otherwise the Farey-sequence approximation with denominators up to 10^7 after
    /// scaling by a power of ten. `late(0.1)` is exactly 1/10; `1/3` as a double is 1/3.
    pub fn from_f64(x: f64) -> Rational {
        if !x.is_finite() {
            return Rational::ZERO;
        }
        let negative = x < 0.0;
        let mut p = x.abs();
        let sign = if negative { -1 } else { 1 };
        if p % 1.0 == 0.0 {
            if p > i64::MAX as f64 {
                return Rational::int(sign * i64::MAX);
            }
            return Rational::int(sign * p as i64);
        }
        let mut z: f64 = 1.0;
        if p >= 1.0 {
            z = 10f64.powf((1.0 + p.log10()).floor());
            p /= z;
        }
        let (mut a, mut b, mut c, mut d) = (0i64, 1i64, 1i64, 1i64);
        let limit = 10_000_000i64;
        let (mut n, mut den) = (0i64, 1i64);
        while b <= limit && d <= limit {
            let m = (a + c) as f64 / (b + d) as f64;
            if p == m {
                if b + d <= limit {
                    n = a + c;
                    den = b + d;
                } else if d > b {
                    n = c;
                    den = d;
                } else {
                    n = a;
                    den = b;
                }
                break;
            }
            if p > m {
                a += c;
                b += d;
            } else {
                c += a;
                d += b;
            }
            if b > limit {
                n = c;
                den = d;
            } else {
                n = a;
                den = b;
            }
        }
        Rational::from_i128(sign as i128 * n as i128 * z as i128, den as i128)
    }
}

impl From<i64> for Rational {
    fn from(n: i64) -> Rational {
        Rational::int(n)
    }
}

impl Add for Rational {
    type Output = Rational;
    fn add(self, o: Rational) -> Rational {
        if o.num == 0 {
            return self;
        }
        if self.num == 0 {
            return o;
        }
        // Adding an integer keeps the fraction in lowest terms: gcd(a + k·b, b) = gcd(a, b).
        if o.den == 1
            && let Some(num) = o
                .num
                .checked_mul(self.den)
                .and_then(|k| k.checked_add(self.num))
        {
            return Rational { num, den: self.den };
        }
        if self.den == 1
            && let Some(num) = self
                .num
                .checked_mul(o.den)
                .and_then(|k| k.checked_add(o.num))
        {
            return Rational { num, den: o.den };
        }
        if self.den == o.den
            && let Some(t) = self.num.checked_add(o.num)
        {
            let g = gcd64(t, self.den);
            return Rational {
                num: div_exact(t, g),
                den: div_exact(self.den, g),
            };
        }
        // Knuth's addition keeps the intermediates small: with g = gcd(b, d),
        // a/b + c/d = (a·(d/g) + c·(b/g)) / (b/g·d), reduced by gcd(numerator, g) only.
        let g = gcd64(self.den, o.den);
        let fast = (|| {
            let t = self
                .num
                .checked_mul(div_exact(o.den, g))?
                .checked_add(o.num.checked_mul(div_exact(self.den, g))?)?;
            let g2 = gcd64(t, g);
            let den = div_exact(self.den, g).checked_mul(div_exact(o.den, g2))?;
            Some(Rational {
                num: div_exact(t, g2),
                den,
            })
        })();
        fast.unwrap_or_else(|| {
            Rational::from_i128(
                self.num as i128 * o.den as i128 + o.num as i128 * self.den as i128,
                self.den as i128 * o.den as i128,
            )
        })
    }
}

impl Sub for Rational {
    type Output = Rational;
    fn sub(self, o: Rational) -> Rational {
        self + (-o)
    }
}

impl Mul for Rational {
    type Output = Rational;
    fn mul(self, o: Rational) -> Rational {
        if self.num == 0 || o.num == 0 {
            return Rational::ZERO;
        }
        if self.den == 1
            && o.den == 1
            && let Some(num) = self.num.checked_mul(o.num)
        {
            return Rational::int(num);
        }
        // Cross-reduce first: the result is then already in lowest terms.
        let g1 = gcd64(self.num, o.den);
        let g2 = gcd64(o.num, self.den);
        let fast = (|| {
            Some(Rational {
                num: div_exact(self.num, g1).checked_mul(div_exact(o.num, g2))?,
                den: div_exact(self.den, g2).checked_mul(div_exact(o.den, g1))?,
            })
        })();
        fast.unwrap_or_else(|| {
            Rational::from_i128(
                self.num as i128 * o.num as i128,
                self.den as i128 * o.den as i128,
            )
        })
    }
}

impl Div for Rational {
    type Output = Rational;
    /// Division by zero gives zero; callers that divide by user values check for zero first.
    fn div(self, o: Rational) -> Rational {
        if o.num == 0 {
            return Rational::ZERO;
        }
        let (num, den) = if o.num < 0 {
            (-o.den, -o.num)
        } else {
            (o.den, o.num)
        };
        self * Rational { num, den }
    }
}

impl Neg for Rational {
    type Output = Rational;
    fn neg(self) -> Rational {
        Rational {
            num: -self.num,
            den: self.den,
        }
    }
}

impl Ord for Rational {
    fn cmp(&self, o: &Rational) -> Ordering {
        if self.den == o.den {
            return self.num.cmp(&o.num);
        }
        (self.num as i128 * o.den as i128).cmp(&(o.num as i128 * self.den as i128))
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, o: &Rational) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Debug for Rational {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r(n: i64, d: i64) -> Rational {
        Rational::new(n, d)
    }

    #[test]
    fn lowest_terms_and_sign() {
        assert_eq!(r(2, 4), r(1, 2));
        assert_eq!(r(1, -2).num(), -1);
        assert_eq!(r(1, -2).den(), 2);
        assert_eq!(r(0, 5), Rational::ZERO);
    }

    #[test]
    fn floor_sam_and_cycle_pos() {
        assert_eq!(r(7, 4).sam(), Rational::ONE);
        assert_eq!(r(-1, 3).sam(), Rational::int(-1));
        assert_eq!(r(-1, 3).cycle_pos(), r(2, 3));
        assert_eq!(r(3, 1).ceil(), r(3, 1));
        assert_eq!(r(5, 2).ceil(), r(3, 1));
    }

    #[test]
    fn from_f64_matches_fraction_js() {
        // Values checked with fraction.js 5.3.4 under Node: new Fraction(x).
        assert_eq!(Rational::from_f64(0.1), r(1, 10));
        assert_eq!(Rational::from_f64(1.0 / 3.0), r(1, 3));
        assert_eq!(Rational::from_f64(0.0625), r(1, 16));
        assert_eq!(Rational::from_f64(0.6), r(3, 5));
        assert_eq!(Rational::from_f64(1.5), r(3, 2));
        assert_eq!(Rational::from_f64(-0.25), r(-1, 4));
        assert_eq!(Rational::from_f64(12.0), r(12, 1));
        assert_eq!(Rational::from_f64(1.0 / 24.0), r(1, 24));
        assert_eq!(Rational::from_f64(0.0003), r(3, 10000));
        assert_eq!(Rational::from_f64(0.20971520000000007), r(16384, 78125));
        assert_eq!(Rational::from_f64(4.56789), r(456789, 100000));
        assert_eq!(Rational::from_f64(123.456), r(15432, 125));
    }

    proptest! {
        #[test]
        fn arithmetic_is_exact(a in -1000i64..1000, b in 1i64..1000, c in -1000i64..1000, d in 1i64..1000) {
            let (x, y) = (r(a, b), r(c, d));
            prop_assert_eq!(x + y - y, x);
            if !y.is_zero() {
                prop_assert_eq!(x * y / y, x);
            }
        }

        #[test]
        fn fast_paths_agree_with_exact_i128(a in any::<i32>(), b in 1i32..i32::MAX, c in any::<i32>(), d in 1i32..i32::MAX) {
            let (x, y) = (r(a as i64, b as i64), r(c as i64, d as i64));
            let reference = |n: i128, d: i128| Rational::from_i128(n, d);
            let (xn, xd, yn, yd) = (x.num() as i128, x.den() as i128, y.num() as i128, y.den() as i128);
            prop_assert_eq!(x + y, reference(xn * yd + yn * xd, xd * yd));
            prop_assert_eq!(x * y, reference(xn * yn, xd * yd));
            if yn != 0 {
                prop_assert_eq!(x / y, reference(xn * yd, xd * yn));
            }
            prop_assert_eq!(x.cmp(&y), (xn * yd).cmp(&(yn * xd)));
        }

        #[test]
        fn cycle_pos_is_in_unit_interval(a in -100_000i64..100_000, b in 1i64..1000) {
            let p = r(a, b).cycle_pos();
            prop_assert!(p >= Rational::ZERO && p < Rational::ONE);
        }
    }
}
