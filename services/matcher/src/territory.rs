//! Where a registration applies: a right's territories against a listing's market.
//!
//! Marks and designs are territorial: a registration confers rights only in the countries
//! it covers, so a listing offered on another market infringes nothing the owner holds, and
//! a notice about it would be unfounded. The decision ([`crate::find_matches`]) therefore
//! drops a (listing, right) pair whose market lies outside the right's territories.
//!
//! Two cases are deliberately not restricted, and the match reads as it always did:
//! - a listing whose market is unknown (its source declares none): most marketplaces ship
//!   to many countries, and refusing to match them would silently disable every source not
//!   yet configured with a market; the reviewer checks where the platform sells;
//! - a right with no territories (imported without them): it applies everywhere, as before
//!   territories were checked.
//!
//! Codes are ISO 3166 alpha-2 or "EU", compared without regard to case. A listing offered
//! EU-wide (market "EU") is offered in every member state, so a national right of one
//! covers it; an "EU" right covers every member state's market.

/// The member states of the European Union as ISO 3166 alpha-2 codes, as of 2026-11-23:
/// 27 since the United Kingdom left on 2020-01-31. Greece is "GR" as in ISO 3166 (EU
/// documents write "EL"). An EU trade mark or a registered Community design covers each.
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// How a right's territories stand to a listing's market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Territorial {
    /// The market is one of the right's territories, or lies inside one.
    Covered,
    /// The listing's market is unknown or the right names no territory: nothing restricts.
    Unrestricted,
    /// The right is not registered where the listing is offered: not a match.
    Outside,
}

/// Whether a right registered for `territories` applies to a listing offered on `market`.
pub fn check(territories: &[String], market: Option<&str>) -> Territorial {
    let market = market.map(str::trim).filter(|m| !m.is_empty());
    let Some(market) = market else {
        return Territorial::Unrestricted;
    };
    let mut named = territories
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .peekable();
    if named.peek().is_none() {
        return Territorial::Unrestricted;
    }
    if named.any(|t| covers(t, market)) {
        Territorial::Covered
    } else {
        Territorial::Outside
    }
}

/// Whether `code` is a territory this module understands (two letters, or "EU"); a right
/// naming anything else is matched nowhere with a known market, which the matcher logs.
pub fn is_territory_code(code: &str) -> bool {
    let code = code.trim();
    code.eq_ignore_ascii_case("EU")
        || (code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()))
}

fn covers(territory: &str, market: &str) -> bool {
    territory.eq_ignore_ascii_case(market)
        || (territory.eq_ignore_ascii_case("EU") && is_eu_member(market))
        || (market.eq_ignore_ascii_case("EU") && is_eu_member(territory))
}

fn is_eu_member(code: &str) -> bool {
    EU_MEMBER_STATES
        .iter()
        .any(|m| m.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn a_national_right_applies_only_on_its_market() {
        assert_eq!(check(&of(&["CN"]), Some("CN")), Territorial::Covered);
        assert_eq!(check(&of(&["cn"]), Some("CN")), Territorial::Covered);
        assert_eq!(check(&of(&["CN"]), Some("DE")), Territorial::Outside);
        assert_eq!(check(&of(&["US", "CN"]), Some("CN")), Territorial::Covered);
    }

    #[test]
    fn eu_covers_its_member_states_and_they_cover_an_eu_wide_market() {
        assert_eq!(check(&of(&["EU"]), Some("FR")), Territorial::Covered);
        assert_eq!(check(&of(&["EU"]), Some("GR")), Territorial::Covered);
        assert_eq!(check(&of(&["EU"]), Some("EU")), Territorial::Covered);
        assert_eq!(check(&of(&["EU"]), Some("GB")), Territorial::Outside);
        assert_eq!(check(&of(&["EU"]), Some("CH")), Territorial::Outside);
        assert_eq!(check(&of(&["DE"]), Some("EU")), Territorial::Covered);
        assert_eq!(check(&of(&["CN"]), Some("EU")), Territorial::Outside);
    }

    #[test]
    fn an_unknown_market_or_a_right_without_territories_is_not_restricted() {
        assert_eq!(check(&of(&["CN"]), None), Territorial::Unrestricted);
        assert_eq!(check(&of(&["CN"]), Some(" ")), Territorial::Unrestricted);
        assert_eq!(check(&[], Some("DE")), Territorial::Unrestricted);
        assert_eq!(check(&of(&[""]), Some("DE")), Territorial::Unrestricted);
    }

    #[test]
    fn the_eu_list_holds_27_distinct_two_letter_codes() {
        let mut codes = EU_MEMBER_STATES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 27);
        assert!(codes.iter().all(|c| is_territory_code(c) && *c != "EU"));
    }

    #[test]
    fn territory_codes_are_two_letters_or_eu() {
        assert!(is_territory_code("DE") && is_territory_code("eu"));
        assert!(!is_territory_code("DEU") && !is_territory_code("European Union"));
    }
}
