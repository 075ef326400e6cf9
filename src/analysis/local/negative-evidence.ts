/**
 * Negative evidence: what tells a genuine call from the scam it resembles (docs/analysis.md). A bank's
 * real fraud desk, a police officer following up a report, an IT helpdesk answering a ticket use the
 * scammer's words; what they do not do is send the subscriber anywhere but a channel the subscriber
 * already knows, or call about anything but contact the subscriber started. Consumer advice (FTC,
 * Action Fraud, banks) states both rules: hang up and call the number you know; scammers ring
 * unasked. Each pattern matches words as a recognizer writes them too (no punctuation needed).
 */

/** The caller points the subscriber to a channel they already know, or promises not to ask. */
const KNOWN_CHANNEL = new RegExp(
  String.raw`\b(?:` +
    [
      String.raw`(?:call|ring|phone) (?:us|the bank|your bank|them|the office|the station|the court) (?:back )?(?:on|at|using|through) the (?:number|phone number) (?:on|printed on|from) (?:the back of )?(?:your|the) (?:card|statement|letter|bill|website)`,
      String.raw`number on the back of your card`,
      String.raw`hang up and (?:call|ring|phone|dial)`,
      String.raw`(?:call|ring|check with) (?:our|the) non[- ]?emergency (?:number|line)`,
      String.raw`(?:we|i|the bank|they|nobody|no one|the (?:irs|police|court|bank))(?:'ll| will)? (?:never|won't|will not|wont|don't|do not) (?:ever )?(?:call (?:and |to )?)?(?:ask|demand|need) (?:you )?(?:for|to)`,
      String.raw`never (?:share|give out|read out|tell anyone) (?:your|that|the|a) (?:pin|password|code)`,
      // Not "go to any store": that is how a gift-card demand starts.
      String.raw`(?:visit|come (?:in)?to|stop by) (?:a|any|your|the|our) (?:local )?(?:branch|office|station|store)|go (?:in)?to (?:a|any|your|the|our) (?:local )?(?:branch|office|station)`,
      String.raw`(?:log (?:in|into|on)(?: to)?|sign in(?: to)?) (?:your|the) (?:app|account|portal|website) yourself`,
      String.raw`(?:report it|you can report (?:it|this)) to (?:the )?(?:federal trade commission|ftc|police|action fraud)`,
    ].join('|') +
    String.raw`)`,
  'i',
);

/** The caller refers to contact the subscriber started: their report, ticket, message or request. */
const SUBSCRIBER_STARTED = new RegExp(
  String.raw`\b(?:` +
    [
      String.raw`(?:the|your|a) (?:report|ticket|complaint|claim|request|message|voicemail|enquiry|inquiry|application|referral|email|e-mail) (?:that )?you (?:filed|opened|made|left|submitted|sent|logged|raised|put in|lodged|reported)`,
      String.raw`you (?:filed|made|opened|submitted|lodged|logged|raised|left|reported) (?:a|the|your|an) (?:police )?(?:report|ticket|complaint|claim|request|message|voicemail|enquiry|inquiry)`,
      String.raw`(?:returning|return) your (?:call|message|voicemail|email)`,
      String.raw`(?:you|that you) (?:called|rang|phoned|emailed|wrote to|messaged|contacted) (?:us|me|our|the office|the branch|in) `,
      String.raw`(?:got|received|saw|picked up) your (?:message|voicemail|email|e-mail|note|request)`,
      String.raw`(?:as|like) you (?:asked|requested)`,
      String.raw`you (?:asked|requested) (?:us|me) to`,
      String.raw`you reported (?:a|an|the|that|some) `,
      String.raw`following up (?:on|about) (?:your|the|that|this) (?:report|ticket|request|claim|complaint|message|call|visit|application|appointment|enquiry|inquiry)`,
      String.raw`(?:wire |bank |money )?(?:transfer|wire|payment) (?:that )?you (?:set up|sent|started|asked for|requested|just made|booked)`,
    ].join('|') +
    String.raw`)`,
  'i',
);

export interface NegativeEvidence {
  /** Sent to a channel the subscriber knows, or told what the caller will never ask for. */
  knownChannel: boolean;
  /** The call follows up contact the subscriber started. */
  subscriberStarted: boolean;
}

/** Negative evidence in the caller's words (joined turns). */
export function negativeEvidenceOf(callerText: string): NegativeEvidence {
  return { knownChannel: KNOWN_CHANNEL.test(callerText), subscriberStarted: SUBSCRIBER_STARTED.test(callerText) };
}
