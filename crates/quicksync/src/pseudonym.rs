//! Readable pseudonyms (`Brave-Otter-42`), unique within a session: a join offers a few
//! candidates and the store claims the first one no member of the group has had, in the same
//! atomic step as the join.

use session_core::token::random_bytes;

const ADJECTIVES: [&str; 32] = [
    "Amber", "Brave", "Bright", "Calm", "Clever", "Cosmic", "Crimson", "Daring", "Eager", "Fancy",
    "Gentle", "Golden", "Happy", "Jolly", "Kind", "Lively", "Lucky", "Mellow", "Misty", "Noble",
    "Proud", "Quick", "Quiet", "Rapid", "Silver", "Sunny", "Swift", "Tidy", "Velvet", "Witty",
    "Zesty", "Bold",
];

const ANIMALS: [&str; 32] = [
    "Badger", "Beaver", "Bison", "Cheetah", "Condor", "Coyote", "Dolphin", "Falcon", "Ferret",
    "Gazelle", "Heron", "Ibis", "Jaguar", "Koala", "Lemur", "Lynx", "Marmot", "Moose", "Narwhal",
    "Ocelot", "Otter", "Panda", "Puffin", "Quokka", "Raven", "Salmon", "Tapir", "Tiger", "Walrus",
    "Wombat", "Yak", "Zebra",
];

/// A random pseudonym: adjective, animal and a number from 10 to 99.
pub fn random() -> session_core::Result<String> {
    let b = random_bytes::<3>()?;
    Ok(format!(
        "{}-{}-{}",
        ADJECTIVES[usize::from(b[0]) % ADJECTIVES.len()],
        ANIMALS[usize::from(b[1]) % ANIMALS.len()],
        10 + u16::from(b[2]) % 90
    ))
}

/// `n` distinct random pseudonyms: a join claims the first one no member of the group has had.
pub fn candidates(n: usize) -> session_core::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(n);
    while out.len() < n {
        let p = random()?;
        if !out.iter().any(|q| claim_name(q) == claim_name(&p)) {
            out.push(p);
        }
    }
    Ok(out)
}

/// The name a pseudonym is claimed under in its group (case does not make two apart).
pub fn claim_name(pseudonym: &str) -> String {
    pseudonym.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_readable() {
        for _ in 0..100 {
            let p = random().unwrap();
            let parts: Vec<&str> = p.split('-').collect();
            assert_eq!(parts.len(), 3, "{p}");
            assert!(ADJECTIVES.contains(&parts[0]) && ANIMALS.contains(&parts[1]));
            let n: u16 = parts[2].parse().unwrap();
            assert!((10..100).contains(&n));
        }
    }

    #[test]
    fn candidates_differ() {
        let c = candidates(3).unwrap();
        assert_eq!(c.len(), 3);
        assert_ne!(claim_name(&c[0]), claim_name(&c[1]));
        assert_eq!(claim_name("Brave-Otter-42"), "brave-otter-42");
    }
}
