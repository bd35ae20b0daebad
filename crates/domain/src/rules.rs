//! The counting rules of `rules.md` (Party congresses: Quy chế bầu cử trong Đảng 190-QĐ/TW;
//! shareholders' meetings: Luật Doanh nghiệp 2020), as pure integer arithmetic. Every
//! threshold is computed exactly (no floating point) and every percentage carries the base
//! it is a percentage of.

use serde::{Deserialize, Serialize};

/// What a majority or a percentage is measured against. Shown to the user every time.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseKind {
    /// Party congress: B from the credentials report (summoned official delegates minus those
    /// absent throughout without an alternate, minus absent convening-committee members).
    PartyBase,
    /// Voting shares of the shareholders attending and voting.
    SharesAttending,
    /// All voting shares of the company (quorum).
    SharesTotal,
    /// Voting members present (general assemblies, floor nominations).
    Present,
    /// All voting members (general assemblies).
    Entitled,
    /// Valid ballots (shown for information; never a Party majority base).
    Valid,
}

/// The rule a count must meet.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", content = "basis_points", rename_all = "snake_case")]
pub enum Majority {
    /// Strictly more than half: `votes * 2 > base`.
    MoreThanHalf,
    /// At least the given share, in basis points (6500 = 65%): `votes * 10000 >= base * bp`.
    AtLeast(u32),
    /// Strictly more than the given share, in basis points.
    MoreThan(u32),
}

impl Majority {
    /// Does `votes` meet the rule against `base`? A zero base passes nothing.
    pub fn passes(self, votes: u64, base: u64) -> bool {
        if base == 0 {
            return false;
        }
        let (v, b) = (votes as u128, base as u128);
        match self {
            Majority::MoreThanHalf => v * 2 > b,
            Majority::AtLeast(bp) => v * 10_000 >= b * bp as u128,
            Majority::MoreThan(bp) => v * 10_000 > b * bp as u128,
        }
    }

    /// The smallest vote count that passes against `base` (None when none can: base 0).
    pub fn minimum(self, base: u64) -> Option<u64> {
        if base == 0 {
            return None;
        }
        let b = base as u128;
        let m = match self {
            Majority::MoreThanHalf => b / 2 + 1,
            Majority::AtLeast(bp) => (b * bp as u128).div_ceil(10_000),
            Majority::MoreThan(bp) => b * bp as u128 / 10_000 + 1,
        };
        u64::try_from(m).ok()
    }
}

/// A percentage that knows its base: `part` of `base` (of kind `kind`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub part: u64,
    pub base: u64,
    pub kind: BaseKind,
}

impl Share {
    /// Hundredths of a percent, rounded half up (5260 = 52.60%). None for a zero base.
    pub fn hundredths(&self) -> Option<u64> {
        if self.base == 0 {
            return None;
        }
        let (p, b) = (self.part as u128, self.base as u128);
        u64::try_from((p * 20_000 + b) / (2 * b)).ok()
    }

    /// "52,60%" (Vietnamese decimal comma) or "52.60%".
    pub fn format(&self, decimal_comma: bool) -> String {
        match self.hundredths() {
            None => "–".into(),
            Some(h) => {
                let sep = if decimal_comma { ',' } else { '.' };
                format!("{}{sep}{:02}%", h / 100, h % 100)
            }
        }
    }
}

/// The Party's base B, from the credentials report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyBaseInput {
    /// Official delegates summoned (triệu tập).
    pub summoned: u64,
    /// Official delegates absent for the whole congress with no alternate seated.
    pub absent_without_alternate: u64,
    /// Convening-committee members absent for the whole congress.
    pub committee_absent: u64,
}

impl PartyBaseInput {
    pub fn base(&self) -> Option<u64> {
        self.summoned
            .checked_sub(self.absent_without_alternate)?
            .checked_sub(self.committee_absent)
    }
}

/// Shareholders' quorum: first meeting more than 50% of voting shares, second at least 33%,
/// third none (Luật Doanh nghiệp 2020, art. 145).
pub fn shareholder_quorum(meeting: u8, present_shares: u64, total_shares: u64) -> bool {
    match meeting {
        0 | 1 => Majority::MoreThanHalf.passes(present_shares, total_shares),
        2 => Majority::AtLeast(3300).passes(present_shares, total_shares),
        _ => true,
    }
}

/// Most candidates allowed for `seats`: surplus at most 30% of seats, rounded down.
pub fn max_candidates(seats: u64) -> u64 {
    seats + seats * 30 / 100
}

/// The convening committee's own list carries 10–15% extra names: (min, max) extra,
/// the lower bound rounded up and the upper rounded down (55 seats: 6..=8).
pub fn committee_list_extra(seats: u64) -> (u64, u64) {
    ((seats * 10).div_ceil(100), seats * 15 / 100)
}

/// A nominee from the floor needs MORE THAN 30% of the delegates attending.
pub fn floor_nominee_accepted(agree: u64, attending: u64) -> bool {
    Majority::MoreThan(3000).passes(agree, attending)
}

/// Validity of a ballot with surplus (the voter crosses out names).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BallotValidity {
    Valid,
    /// Keeps more names than there are seats.
    TooManyKept,
    /// Crosses out every name.
    NoneKept,
}

pub fn surplus_ballot_validity(kept: u64, seats: u64) -> BallotValidity {
    if kept == 0 {
        BallotValidity::NoneKept
    } else if kept > seats {
        BallotValidity::TooManyKept
    } else {
        BallotValidity::Valid
    }
}

/// Outcome of an election round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElectionOutcome<C> {
    /// Declared elected, highest votes first.
    pub elected: Vec<C>,
    /// Passed the threshold but tied at the last seat: the presidium decides
    /// (`TIE_AT_CUTOFF`); nobody at that vote count is declared elected automatically.
    pub tied_at_cutoff: Vec<C>,
    /// Seats still open (too few passed, or a tie).
    pub open_seats: u64,
}

/// Who is elected: passes `votes * 2 > B`; if more pass than there are seats the highest
/// are elected; a tie at the last seat is reported, not resolved.
pub fn elect<C: Clone>(candidates: &[(C, u64)], seats: u64, base: u64) -> ElectionOutcome<C> {
    let mut passed: Vec<&(C, u64)> = candidates
        .iter()
        .filter(|(_, v)| Majority::MoreThanHalf.passes(*v, base))
        .collect();
    passed.sort_by_key(|c| std::cmp::Reverse(c.1));
    let seats_us = usize::try_from(seats).unwrap_or(usize::MAX);
    if seats_us == 0 {
        return ElectionOutcome {
            elected: vec![],
            tied_at_cutoff: vec![],
            open_seats: 0,
        };
    }
    if passed.len() <= seats_us {
        let n = passed.len() as u64;
        return ElectionOutcome {
            elected: passed.into_iter().map(|c| c.0.clone()).collect(),
            tied_at_cutoff: vec![],
            open_seats: seats - n,
        };
    }
    let cutoff = passed[seats_us - 1].1;
    if passed[seats_us].1 == cutoff {
        let elected: Vec<C> = passed
            .iter()
            .filter(|c| c.1 > cutoff)
            .map(|c| c.0.clone())
            .collect();
        let tied: Vec<C> = passed
            .iter()
            .filter(|c| c.1 == cutoff)
            .map(|c| c.0.clone())
            .collect();
        let open = seats - elected.len() as u64;
        return ElectionOutcome {
            elected,
            tied_at_cutoff: tied,
            open_seats: open,
        };
    }
    ElectionOutcome {
        elected: passed.iter().take(seats_us).map(|c| c.0.clone()).collect(),
        tied_at_cutoff: vec![],
        open_seats: 0,
    }
}

/// Cumulative voting (bầu dồn phiếu): a shareholder has `shares * seats` votes.
pub fn cumulative_votes(shares: u64, seats: u64) -> Option<u64> {
    shares.checked_mul(seats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Worked case 1: B = 445 → a winner needs 223; 220 of 422 valid (52%) is not elected.
    #[test]
    fn case_1_base_and_winner_threshold() {
        let b = PartyBaseInput {
            summoned: 450,
            absent_without_alternate: 3,
            committee_absent: 2,
        }
        .base()
        .unwrap();
        assert_eq!(b, 445);
        assert_eq!(Majority::MoreThanHalf.minimum(b), Some(223));
        assert!(!Majority::MoreThanHalf.passes(220, b));
        assert!(Majority::MoreThanHalf.passes(223, b));
        // 220 is 52.13% of the 422 valid ballots, but valid ballots are not the base.
        assert_eq!(
            Share {
                part: 220,
                base: 422,
                kind: BaseKind::Valid
            }
            .format(true),
            "52,13%"
        );
        assert!(Majority::MoreThanHalf.passes(220, 422));
    }

    /// Worked case 2: 55 seats → at most 71 candidates; the committee's list has 6 to 8 extra.
    #[test]
    fn case_2_surplus_limits() {
        assert_eq!(max_candidates(55), 71);
        assert_eq!(committee_list_extra(55), (6, 8));
    }

    /// Worked case 3: 66 names for 55 seats.
    #[test]
    fn case_3_ballot_validity() {
        assert_eq!(surplus_ballot_validity(56, 55), BallotValidity::TooManyKept);
        assert_eq!(surplus_ballot_validity(40, 55), BallotValidity::Valid);
        assert_eq!(surplus_ballot_validity(0, 55), BallotValidity::NoneKept);
        assert_eq!(surplus_ballot_validity(55, 55), BallotValidity::Valid);
    }

    fn pool(n: usize, first_votes: u64) -> Vec<(usize, u64)> {
        (0..n).map(|i| (i, first_votes - i as u64)).collect()
    }

    /// Worked case 4: 57 pass for 55 seats → top 55; a tie at 55/56 → TIE_AT_CUTOFF.
    #[test]
    fn case_4_more_pass_than_seats_and_tie() {
        let b = 445;
        let c = pool(57, 400); // 400 .. 344, all > 222.5
        let out = elect(&c, 55, b);
        assert_eq!(out.elected.len(), 55);
        assert_eq!(out.elected[0], 0);
        assert!(out.tied_at_cutoff.is_empty());
        let mut tie = c.clone();
        tie[55].1 = tie[54].1; // 56th equals 55th
        let out = elect(&tie, 55, b);
        assert_eq!(
            out.elected.len(),
            54,
            "nobody at the tied count is declared elected"
        );
        assert_eq!(out.tied_at_cutoff, vec![54, 55]);
        assert_eq!(out.open_seats, 1);
    }

    /// Worked case 5: 50 of 55 pass → 50 elected, 5 seats open.
    #[test]
    fn case_5_too_few_pass() {
        let b = 445;
        let mut c = pool(50, 300);
        c.extend((50..60).map(|i| (i, 200))); // below 223
        let out = elect(&c, 55, b);
        assert_eq!((out.elected.len(), out.open_seats), (50, 5));
    }

    /// Worked case 6: 440 attending → a floor nominee needs at least 133.
    #[test]
    fn case_6_floor_nominee() {
        assert!(!floor_nominee_accepted(132, 440));
        assert!(floor_nominee_accepted(133, 440));
        assert_eq!(Majority::MoreThan(3000).minimum(440), Some(133));
    }

    /// Worked case 7: B = 448, 224 yes fails (needs 225).
    #[test]
    fn case_7_resolution_fails_at_exactly_half() {
        assert!(!Majority::MoreThanHalf.passes(224, 448));
        assert_eq!(Majority::MoreThanHalf.minimum(448), Some(225));
    }

    /// Worked case 8: quorum at the first and second meeting.
    #[test]
    fn case_8_shareholder_quorum() {
        assert!(!shareholder_quorum(1, 5_000_000, 10_000_000));
        assert!(shareholder_quorum(1, 5_000_001, 10_000_000));
        assert!(shareholder_quorum(2, 3_300_000, 10_000_000));
        assert!(!shareholder_quorum(2, 3_299_999, 10_000_000));
        assert!(shareholder_quorum(3, 1, 10_000_000));
    }

    /// Worked case 9: exactly 65% of attending shares passes a special matter.
    #[test]
    fn case_9_special_matter() {
        assert!(Majority::AtLeast(6500).passes(3_900_000, 6_000_000));
        assert!(!Majority::AtLeast(6500).passes(3_899_999, 6_000_000));
        assert_eq!(
            Share {
                part: 3_900_000,
                base: 6_000_000,
                kind: BaseKind::SharesAttending
            }
            .format(false),
            "65.00%"
        );
    }

    /// Worked case 10: 1,000 shares and 5 seats → 5,000 votes.
    #[test]
    fn case_10_cumulative() {
        assert_eq!(cumulative_votes(1_000, 5), Some(5_000));
    }

    /// rules.md §4: the same count against different bases.
    #[test]
    fn percentages_name_their_base() {
        let yes = 40;
        assert_eq!(
            Share {
                part: yes,
                base: 76,
                kind: BaseKind::Valid
            }
            .format(false),
            "52.63%"
        );
        assert_eq!(
            Share {
                part: yes,
                base: 80,
                kind: BaseKind::Present
            }
            .format(false),
            "50.00%"
        );
        assert_eq!(
            Share {
                part: yes,
                base: 100,
                kind: BaseKind::Entitled
            }
            .format(false),
            "40.00%"
        );
        assert_eq!(
            Share {
                part: 1,
                base: 0,
                kind: BaseKind::PartyBase
            }
            .format(true),
            "–"
        );
    }

    proptest! {
        #[test]
        fn minimum_is_the_exact_threshold(base in 1u64..5_000_000, bp in 1u32..10_000) {
            for rule in [Majority::MoreThanHalf, Majority::AtLeast(bp), Majority::MoreThan(bp)] {
                let m = rule.minimum(base).unwrap();
                prop_assert!(rule.passes(m, base));
                prop_assert!(m == 0 || !rule.passes(m - 1, base));
            }
        }

        #[test]
        fn elect_never_exceeds_seats(votes in proptest::collection::vec(0u64..500, 0..80), seats in 0u64..60, base in 1u64..500) {
            let c: Vec<(usize, u64)> = votes.iter().copied().enumerate().collect();
            let out = elect(&c, seats, base);
            prop_assert!(out.elected.len() as u64 + out.open_seats == seats);
            prop_assert!(out.elected.iter().all(|i| c[*i].1 * 2 > base));
        }
    }
}
