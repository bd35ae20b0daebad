//! The liveness challenge: the kiosk asks the person to turn their head to one side (chosen
//! at random per attempt); the frames must show the same face, first frontal, then turned
//! the asked way by at least [`TURN`].
//!
//! Why this stops a printed photo or a still image on a phone: the head-turn measure
//! ([`Pose::yaw`]) is the sideways offset of the nose from the middle of the eyes, divided
//! by the distance between the eyes. Moving, scaling or rotating a flat picture in the image
//! plane leaves it unchanged, and turning or tilting the flat picture itself only
//! foreshortens all five points together (what changes is perspective, a few hundredths).
//! A real head turns around a vertical axis behind the face, and the nose, which stands in
//! front of the eyes, moves sideways relative to them. The measured figures are in the
//! README ("Face check-in: liveness").
//!
//! Not defended: a video of the person turning their head played on a screen (the turn
//! direction is random, so a single recording passes one time in two), a 3-D mask, a
//! person coerced to stand in front of the kiosk. Blinking is not checked: five landmarks
//! do not describe the eyelids.

use crate::gallery::Template;

/// How far the head must turn, in eye distances of nose offset. Measured (README, "Face
/// check-in: liveness"): a still photo moved, scaled, rotated ±24° and tilted ±40° spreads
/// 0.063; the real turns between two photos of one person measure 0.15–0.17.
pub const TURN: f32 = 0.12;
/// A frame counts as frontal below this.
pub const FRONTAL: f32 = 0.10;
/// Every frame of one attempt must be this close to the first (the same face throughout).
pub const SAME_FACE: f32 = 0.60;
/// An attempt expires after this long.
pub const TIMEOUT_MS: u64 = 10_000;

/// Head pose from the five landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pose {
    /// Sideways nose offset / eye distance; > 0 when the nose is towards the image's right
    /// (the person turned to their left, facing the camera).
    pub yaw: f32,
    /// Angle of the line through the eyes, degrees (head tilted sideways).
    pub roll: f32,
    /// Eye distance in pixels.
    pub eyes: f32,
}

impl Pose {
    pub fn from_landmarks(lm: &[[f32; 2]; 5]) -> Pose {
        let (l, r, nose) = (lm[0], lm[1], lm[2]);
        let mouth = [(lm[3][0] + lm[4][0]) / 2.0, (lm[3][1] + lm[4][1]) / 2.0];
        let mid = [(l[0] + r[0]) / 2.0, (l[1] + r[1]) / 2.0];
        let (ex, ey) = (r[0] - l[0], r[1] - l[1]);
        let eyes = (ex * ex + ey * ey).sqrt().max(1e-3);
        let (ux, uy) = (ex / eyes, ey / eyes);
        // The nose's sideways offset, steadied by the mouth's (which moves less).
        let nose_off = ((nose[0] - mid[0]) * ux + (nose[1] - mid[1]) * uy) / eyes;
        let mouth_off = ((mouth[0] - mid[0]) * ux + (mouth[1] - mid[1]) * uy) / eyes;
        Pose {
            yaw: nose_off - 0.5 * mouth_off,
            roll: ey.atan2(ex).to_degrees(),
            eyes,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// Turn to your left: the nose moves towards the image's right.
    TurnLeft,
    TurnRight,
}

impl Challenge {
    pub fn from_bit(b: bool) -> Challenge {
        if b {
            Challenge::TurnLeft
        } else {
            Challenge::TurnRight
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Challenge::TurnLeft => "turn_left",
            Challenge::TurnRight => "turn_right",
        }
    }
    fn sign(self) -> f32 {
        match self {
            Challenge::TurnLeft => 1.0,
            Challenge::TurnRight => -1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LiveState {
    /// Waiting for a frontal face.
    NeedFrontal,
    /// Frontal seen; waiting for the turn.
    NeedTurn {
        progress: f32,
    },
    Passed,
    /// Another face appeared mid-way, or time ran out: start again.
    Failed(FailReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    FaceChanged,
    TimedOut,
}

/// One attempt at one kiosk.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub challenge: Challenge,
    started_ms: u64,
    first: Option<Template>,
    frontal_yaw: Option<f32>,
    state: LiveState,
}

impl Attempt {
    pub fn new(challenge: Challenge, now_ms: u64) -> Attempt {
        Attempt {
            challenge,
            started_ms: now_ms,
            first: None,
            frontal_yaw: None,
            state: LiveState::NeedFrontal,
        }
    }

    pub fn state(&self) -> LiveState {
        self.state
    }

    /// The template of the attempt's first frame (the face being checked in).
    pub fn face(&self) -> Option<&Template> {
        self.first.as_ref()
    }

    pub fn observe(&mut self, pose: Pose, t: &Template, now_ms: u64) -> LiveState {
        if matches!(self.state, LiveState::Passed | LiveState::Failed(_)) {
            return self.state;
        }
        if now_ms.saturating_sub(self.started_ms) > TIMEOUT_MS {
            self.state = LiveState::Failed(FailReason::TimedOut);
            return self.state;
        }
        match &self.first {
            None => self.first = Some(*t),
            Some(f) if f.distance(t) > SAME_FACE => {
                self.state = LiveState::Failed(FailReason::FaceChanged);
                return self.state;
            }
            Some(_) => {}
        }
        let yaw = pose.yaw * self.challenge.sign();
        self.state = match self.frontal_yaw {
            None if pose.yaw.abs() <= FRONTAL => {
                self.frontal_yaw = Some(yaw);
                LiveState::NeedTurn { progress: 0.0 }
            }
            None => LiveState::NeedFrontal,
            Some(f) => {
                let turned = yaw - f;
                if turned >= TURN {
                    LiveState::Passed
                } else {
                    LiveState::NeedTurn {
                        progress: (turned / TURN).clamp(0.0, 1.0),
                    }
                }
            }
        };
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(nose_dx: f32) -> [[f32; 2]; 5] {
        [
            [100.0, 100.0],
            [160.0, 100.0],
            [130.0 + nose_dx, 135.0],
            [110.0 + nose_dx * 0.5, 165.0],
            [150.0 + nose_dx * 0.5, 165.0],
        ]
    }

    #[test]
    fn pose_is_zero_for_a_frontal_face_and_signed_for_a_turn() {
        let p = Pose::from_landmarks(&face(0.0));
        assert!(p.yaw.abs() < 1e-6 && p.roll.abs() < 1e-6);
        assert!((p.eyes - 60.0).abs() < 1e-4);
        assert!(Pose::from_landmarks(&face(12.0)).yaw > TURN);
        assert!(Pose::from_landmarks(&face(-12.0)).yaw < -TURN);
    }

    #[test]
    fn the_same_picture_moved_scaled_or_rotated_never_passes() {
        let t = Template([0.1; 128]);
        let base = face(0.0);
        let mut a = Attempt::new(Challenge::TurnLeft, 0);
        for k in 0..200u64 {
            let ang = (k as f32 * 0.05).sin() * 0.6; // ±34°
            let s = 0.6 + (k as f32 * 0.03).cos().abs();
            let (dx, dy) = (k as f32 * 3.0, (k as f32 * 0.7).sin() * 40.0);
            let lm = base.map(|p| {
                let (x, y) = (p[0] * s, p[1] * s);
                [
                    x * ang.cos() - y * ang.sin() + dx,
                    x * ang.sin() + y * ang.cos() + dy,
                ]
            });
            let st = a.observe(Pose::from_landmarks(&lm), &t, k * 40);
            assert_ne!(st, LiveState::Passed, "frame {k}");
        }
    }

    #[test]
    fn a_turn_the_asked_way_passes_and_the_other_way_does_not() {
        let t = Template([0.1; 128]);
        let mut a = Attempt::new(Challenge::TurnLeft, 0);
        assert_eq!(
            a.observe(Pose::from_landmarks(&face(20.0)), &t, 0),
            LiveState::NeedFrontal
        );
        assert!(matches!(
            a.observe(Pose::from_landmarks(&face(0.0)), &t, 100),
            LiveState::NeedTurn { .. }
        ));
        assert!(matches!(
            a.observe(Pose::from_landmarks(&face(-20.0)), &t, 200),
            LiveState::NeedTurn { .. }
        ));
        assert_eq!(
            a.observe(Pose::from_landmarks(&face(20.0)), &t, 300),
            LiveState::Passed
        );
    }

    #[test]
    fn another_face_or_the_clock_ends_the_attempt() {
        let mut a = Attempt::new(Challenge::TurnRight, 0);
        a.observe(Pose::from_landmarks(&face(0.0)), &Template([0.1; 128]), 0);
        assert_eq!(
            a.observe(
                Pose::from_landmarks(&face(-20.0)),
                &Template([0.3; 128]),
                10
            ),
            LiveState::Failed(FailReason::FaceChanged)
        );
        let mut b = Attempt::new(Challenge::TurnRight, 0);
        b.observe(Pose::from_landmarks(&face(0.0)), &Template([0.1; 128]), 0);
        assert_eq!(
            b.observe(
                Pose::from_landmarks(&face(-20.0)),
                &Template([0.1; 128]),
                TIMEOUT_MS + 1
            ),
            LiveState::Failed(FailReason::TimedOut)
        );
    }
}
