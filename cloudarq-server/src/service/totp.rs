//! TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, T0 = 0, as
//! authenticator apps expect), secrets, the otpauth URI and its QR code as
//! SVG, and backup codes.
//!
//! Verification accepts the code of the current step and of the previous
//! one (one step of network and typing delay), never a future step
//! (checklist MFA-2); the store then accepts each step once (replay).

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// Seconds per step.
pub const STEP: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(B32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes [`base32`] (case-insensitive, no padding); `None` if malformed.
pub fn unbase32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B32.iter().position(|&x| x == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A new secret, base32.
pub fn new_secret() -> Result<SecretString, getrandom::Error> {
    let mut raw = zeroize::Zeroizing::new([0u8; SECRET_BYTES]);
    getrandom::fill(&mut raw[..])?;
    Ok(SecretString::from(base32(&raw[..])))
}

/// The code of `step` for a raw secret (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return u32::MAX;
    };
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[off]) & 0x7f) << 24
        | u32::from(h[off + 1]) << 16
        | u32::from(h[off + 2]) << 8
        | u32::from(h[off + 3]);
    bin % 10u32.pow(DIGITS)
}

/// The step of a Unix time.
pub fn step_of(unix: i64) -> i64 {
    unix.div_euclid(STEP)
}

/// The step a `code` proves for `secret` (base32) at Unix time `now`: the
/// current step or the previous one; `None` otherwise.
pub fn verify(secret: &SecretString, code: &str, now: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let raw = zeroize::Zeroizing::new(unbase32(secret.expose_secret())?);
    let step = step_of(now);
    let mut found = None;
    // Both steps are computed and compared in constant time whatever matches.
    for s in [step - 1, step] {
        let want = format!("{:0width$}", code_at(&raw, s), width = DIGITS as usize);
        if bool::from(want.as_bytes().ct_eq(code.as_bytes())) {
            found = Some(s);
        }
    }
    found
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &SecretString) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let label = format!("{issuer}:{account}");
    format!(
        "otpauth://totp/{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        utf8_percent_encode(&label, NON_ALPHANUMERIC),
        secret.expose_secret(),
        utf8_percent_encode(issuer, NON_ALPHANUMERIC)
    )
}

/// The URI as a QR code in SVG (no script, no external reference).
pub fn qr_svg(uri: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// A backup code: 12 base32 characters (60 bits) as `XXXX-XXXX-XXXX`.
pub fn new_backup_code() -> Result<String, getrandom::Error> {
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw)?;
    let s: String = base32(&raw).chars().take(12).collect();
    Ok(format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12]))
}

/// A backup code as typed, normalised (case, dashes and spaces dropped).
pub fn normalise_backup_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors_with_six_digits() {
        // RFC 6238 Appendix B, SHA-1 seed; the 8-digit values' last 6 digits.
        let seed = b"12345678901234567890";
        for (t, code8) in [
            (59, 94287082u32),
            (1111111109, 7081804),
            (1234567890, 89005924),
            (2000000000, 69279037),
        ] {
            assert_eq!(code_at(seed, step_of(t)), code8 % 1_000_000, "T={t}");
        }
    }

    #[test]
    fn the_current_and_previous_steps_are_accepted_and_no_other() {
        let secret = SecretString::from(base32(b"12345678901234567890"));
        let now = 1_790_000_015;
        let raw = b"12345678901234567890";
        let at = |s: i64| format!("{:06}", code_at(raw, s));
        let step = step_of(now);
        assert_eq!(verify(&secret, &at(step), now), Some(step));
        assert_eq!(verify(&secret, &at(step - 1), now), Some(step - 1));
        assert_eq!(verify(&secret, &at(step - 2), now), None);
        assert_eq!(verify(&secret, &at(step + 1), now), None, "no future step");
        assert_eq!(verify(&secret, "12345", now), None);
        assert_eq!(verify(&secret, "abcdef", now), None);
    }

    #[test]
    fn base32_round_trips_and_secrets_are_160_bits() {
        for n in 0..25 {
            let bytes: Vec<u8> = (0..n).map(|i: u8| i.wrapping_mul(37)).collect();
            assert_eq!(unbase32(&base32(&bytes)).unwrap(), bytes);
        }
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let s = new_secret().unwrap();
        assert_eq!(unbase32(s.expose_secret()).unwrap().len(), 20);
        let uri = otpauth_uri("CloudArq", "a@b.c", &s);
        assert!(
            uri.starts_with("otpauth://totp/CloudArq%3Aa%40b%2Ec?secret="),
            "{uri}"
        );
        assert!(uri.contains("&issuer=CloudArq"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && !svg.contains("<script"));
        let code = new_backup_code().unwrap();
        assert_eq!(code.len(), 14);
        assert_eq!(normalise_backup_code(&code.to_lowercase()).len(), 12);
    }
}
