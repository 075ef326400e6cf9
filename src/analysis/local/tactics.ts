/**
 * Rule-based tactic detectors over the caller's words. Every pattern is compiled once at module load;
 * `detectTactics` scans one text and returns hits (tactic + evidence). Negated mentions ("we will never
 * ask for your PIN") are dropped, so a real fraud desk's warnings do not count against it.
 */
import type { Tactic } from '../types.js';
import { credentialMentionedOnly } from './credential-asks.js';
import { moneyAsks } from './money-asks.js';
import { sentenceAround } from './sentence.js';

/** What a hit is evidence of: an impersonated organisation, a lure, or a concrete demand. */
export type Evidence =
  // impersonation
  | 'government'
  | 'bank'
  | 'tech-support'
  | 'family'
  // lures (category only, no tactic)
  | 'prize'
  | 'refund'
  // urgency
  | 'threat'
  | 'time-pressure'
  /** "someone has access to your account", "hackers are getting in": a set-up claim, weak on its own. */
  | 'compromise'
  // secrecy
  | 'secrecy'
  // payment
  | 'gift-cards'
  | 'crypto'
  | 'wire'
  | 'safe-account'
  | 'cash'
  | 'fee'
  // credentials
  | 'ssn'
  | 'pin-password'
  | 'one-time-code'
  | 'card-number'
  | 'account-number'
  | 'personal-details'
  | 'bank-login'
  // remote access
  | 'remote-access'
  | 'install-app'
  /** "Press one to speak with an agent": an automated call pushing you to a live scammer; set-up only. */
  | 'robocall'
  /** "You need to pay 500 dollars": a plain money request, damning only next to a prize or refund lure. */
  | 'money-request'
  // pretexts that are not impersonation (docs/scam-families.md): harmless alone, a hook with a demand
  /** A disaster appeal or donation drive. */
  | 'charity'
  /** A job offer or recruitment. */
  | 'job'
  /** A parcel waiting, a delivery or customs charge. */
  | 'delivery'
  /** A sweetheart far away (deployed, on a rig, abroad) who cannot reach their own money. */
  | 'romance'
  /** "I'm on a friend's phone, mine broke": a relative who cannot be checked on their usual number. */
  | 'new-number'
  /** "Read it back to me": the caller wants what the subscriber received or sees, said aloud. */
  | 'read-back'
  /** "We've changed banks, here is our new account number": payee details changed over the phone. */
  | 'new-bank-details'
  /** A home to rent from a landlord who is abroad, cannot show it and posts the keys. */
  | 'rental'
  /** Too good to be true: debt or loan forgiveness, a lower rate, a free device, a rebate, a warranty to renew. */
  | 'offer'
  /** An identity number that is not a Social Security number: Medicare, FSA ID, National Insurance. */
  | 'id-number';

export interface TacticHit {
  /** null for lures, which only inform the category. */
  tactic: Tactic | null;
  evidence: Evidence;
  /** Words for the explanation, e.g. "the IRS", "gift cards", "your Social Security number". */
  label: string;
  /** The matched text. */
  match: string;
  /** Where it was found: the index of the turn (detectCallerTactics) and the match's offsets in it. */
  turn?: number;
  at?: number;
  end?: number;
  /** A credential named but not asked for ("your Social Security number has been suspended"): judged, not named in the SMS. */
  mentionedOnly?: boolean;
}

interface Rule {
  tactic: Tactic | null;
  evidence: Evidence;
  label: string;
  re: RegExp;
  /** Drop the hit when a negation precedes it in the same clause. */
  negatable?: boolean;
}

const r = (src: string): RegExp => new RegExp(src, 'gi');

const RULES: readonly Rule[] = [
  // ---- impersonation: government
  { tactic: 'impersonation', evidence: 'government', label: 'the IRS', re: r(String.raw`\b(?:irs|i\.r\.s\.?|internal revenue(?: service)?)\b`) },
  { tactic: 'impersonation', evidence: 'government', label: 'the tax office', re: r(String.raw`\b(?:tax (?:office|department|authority|authorities|agency)|hmrc|revenue agency|department of (?:the )?treasury|back taxes|tax (?:fraud|evasion|debt|return audit))\b`) },
  { tactic: 'impersonation', evidence: 'government', label: 'the Social Security Administration', re: r(String.raw`\b(?:social security (?:administration|office|department)|ssa|(?:calling|call) (?:you )?(?:from|on behalf of) (?:the )?social security|badge (?:number|id)|(?:officer|agent) (?:id|badge) number)\b|\byour social security (?:number )?(?:has been|was|is) (?:suspended|compromised|blocked|used)`) },
  { tactic: 'impersonation', evidence: 'government', label: 'the police', re: r(String.raw`\b(?:police (?:department|officer|station)|officer \w+ (?:from|with) the|sheriff'?s? (?:office|department)|department of justice|fbi|federal (?:agent|bureau|government)|u\.?s\.? marshals?|homeland security|immigration (?:office|department|services))\b`) },
  { tactic: 'impersonation', evidence: 'government', label: 'the police', re: r(String.raw`\b(?:cyber ?crimes? (?:unit|department|division|cell|team)|(?:i'?m|this is|my name is) (?:detective|sergeant|inspector|special agent|agent|officer) \w+)\b`) },
  { tactic: 'impersonation', evidence: 'government', label: 'a government agency', re: r(String.raw`\b(?:government (?:agency|office|department|official)|federal (?:agency|office)|legal department of)\b`) },
  // ---- impersonation: bank
  { tactic: 'impersonation', evidence: 'bank', label: 'your bank', re: r(String.raw`\b(?:fraud (?:department|prevention|team|division|unit)|(?:bank'?s?|banking) (?:security|fraud)|security department (?:of|at) (?:your|the) bank|(?:calling|call) (?:from|on behalf of) (?:your|the) bank|(?:from|with) (?:your|the) bank'?s?\b(?! accounts?\b)|your bank account (?:has been|was|is) (?:compromised|hacked|frozen|blocked|locked)|suspicious (?:activity|transactions?|charges?) on your (?:account|card)|unauthori[sz]ed (?:transactions?|charges?|purchases?|access)|did you (?:make|authori[sz]e|place|order) (?:a|an|this|the) (?:purchase|order|transaction|payment))`) },
  { tactic: 'impersonation', evidence: 'bank', label: 'your bank', re: r(String.raw`\b(?:card security (?:team|department|unit)|(?:account|card) security (?:team|department)|suspicious (?:order|purchase|login|sign-?in)|(?:an )?automated (?:message|call) from (?:amazon|paypal|apple|your bank|the bank)|(?:amazon|paypal) (?:customer (?:care|service|support)|security|fraud))\b`) },
  { tactic: 'impersonation', evidence: 'bank', label: 'your card company', re: r(String.raw`\b(?:visa|mastercard|american express|amex|credit card company|card services)\b`) },
  // ---- impersonation: tech support
  { tactic: 'impersonation', evidence: 'tech-support', label: 'Microsoft', re: r(String.raw`\b(?:microsoft|windows (?:support|technical|security|department|firewall|license))\b`) },
  { tactic: 'impersonation', evidence: 'tech-support', label: 'Microsoft', re: r(String.raw`\b(?:windows licen[cs]e|(?:windows |product )?licen[cs]e key|(?:windows|computer) (?:technical |tech )?department)\b`) },
  { tactic: 'impersonation', evidence: 'tech-support', label: 'Apple', re: r(String.raw`\b(?:apple (?:support|care|security|id)|icloud (?:account|security))\b`) },
  { tactic: 'impersonation', evidence: 'tech-support', label: 'tech support', re: r(String.raw`\b(?:tech(?:nical)? support|technical (?:department|team)|computer (?:department|technician|guy|support)|it department|geek squad|norton|mcafee)\b`) },
  { tactic: 'impersonation', evidence: 'tech-support', label: 'tech support', re: r(String.raw`\b(?:(?:your|the) (?:computer|pc|laptop|device|system|ip address|network|router)(?: \w+)? (?:has|is|was|have|are|got) (?:been )?(?:a |an )?(?:infected|hacked|compromised|virus|malware|sending|showing errors)|(?:virus|viruses|malware|trojan|spyware|hackers?) (?:on|in|into|from) (?:your|the) (?:computer|pc|laptop|device|system)|error (?:reports?|messages?) from your (?:computer|pc))`) },
  // ---- impersonation: family in trouble
  { tactic: 'impersonation', evidence: 'family', label: 'a relative in trouble', re: r(String.raw`\b(?:(?:grandma|grandpa|granny|mom|mum|dad|auntie?|uncle)[,?.!]? (?:it'?s|this is) (?:me|your)|it'?s (?:me,? )?your (?:grandson|granddaughter|son|daughter|nephew|niece)|i(?:'m| am) (?:\w+ ){0,2}in (?:jail|prison|custody|the hospital|(?:big |serious )?trouble)|(?:are|is) (?:you|this) (?:the )?(?:grand(?:mother|father|ma|pa|parent)|mother|father|parent) of|(?:held|being held|locked up) (?:at|in) (?:the )?(?:county |city )?(?:jail|police station)|(?:need|needs) (?:money|cash) for (?:bail|a lawyer|the hospital)|bail (?:money|bond)|(?:representing|calling (?:on behalf of|for)) your (?:grandson|granddaughter|son|daughter|nephew|niece|grandchild)|(?:your|my) (?:grandson|granddaughter|son|daughter|nephew|niece) (?:has been|was|is) (?:arrested|in (?:jail|an accident|custody|the hospital)))`) },
  { tactic: 'impersonation', evidence: 'tech-support', label: 'Amazon', re: r(String.raw`\b(?:amazon (?:account|prime|security|customer (?:service|support)|order|department)|paypal (?:account|security|department|support)|ebay (?:account|security))\b`) },
  { tactic: 'impersonation', evidence: 'tech-support', label: 'tech support', re: r(String.raw`\b(?:(?:windows )?license (?:has )?expired|firewall (?:has|is) (?:expired|down|been)|(?:hackers?|hacked|hacking) (?:your|into|are)|ip address (?:has been|is|was) (?:compromised|hacked|used))\b`) },
  // ---- impersonation: more organisations real scam calls claim (Medicare, grant offices, "service centers")
  { tactic: 'impersonation', evidence: 'government', label: 'Medicare', re: r(String.raw`\b(?:medicare (?:benefits? )?(?:department|office|services|center|centre|team)|(?:calling|call|this is \w+) (?:you )?(?:from|with) (?:the )?medicare|new medicare card)\b`) },
  { tactic: 'impersonation', evidence: 'government', label: 'a government agency', re: r(String.raw`\b(?:(?:united states|u\.? ?s\.?|us|federal) government(?: \w+)? (?:department|office|agency)|(?:government|federal) grants? (?:department|office|program|id)|federal reserve|lottery (?:commission|board|department)|seguro social|administraci[oó]n del seguro social|servicio de impuestos)\b`) },
  { tactic: 'impersonation', evidence: 'tech-support', label: 'tech support', re: r(String.raw`\b(?:windows (?:service|support|help) (?:center|centre|desk)|(?:computer|pc|software|antivirus) (?:service|maintenance|tech|security) (?:company|center|centre|department|team|plan)|pc tech|(?:billing|cancellation|renewal|subscription) department|geek squad|windows defender|defender (?:firewall|service))\b`) },
  { tactic: 'impersonation', evidence: 'bank', label: 'your bank', re: r(String.raw`\b(?:(?:an? |the )?order (?:of|for) (?:an? |the )?[\w ]{2,40}? (?:for the amount of|for|of) [\w$ ,.]{2,40}? (?:has been|was|is being) (?:placed|made|charged|shipped)|if you (?:did not|didn'?t|do not) (?:authori[sz]e|place|make|recogni[sz]e) (?:this|the|that) (?:order|purchase|charge|transaction))\b`) },
  { tactic: 'impersonation', evidence: 'tech-support', label: 'tech support', re: r(String.raw`\b(?:(?:scanned|checked|scanning|checking) your (?:computer|pc|laptop|system|network)|(?:errors|viruses|trojans|malwares?|infections) (?:on|in) your (?:computer|pc|laptop|system)|\d[\d,]* (?:errors|viruses|trojans|infections)|(?:lifetime|one[- ]year|three[- ]years?|technical) (?:support|protection|security) (?:plan|package|service)|(?:certified|authori[sz]ed) (?:partner|technician|engineer)s? (?:of|for|from|with) (?:microsoft|windows|apple)|(?:network|computer|internet|windows) security (?:has |is )?expired)\b`) },
  { tactic: 'urgency', evidence: 'compromise', label: 'says your computer has been hacked', re: r(String.raw`\b(?:(?:the |these |those )?hackers? (?:are|is) (?:copying|stealing|taking|downloading|watching|accessing)|(?:files|data|information) (?:are|is) going to the hackers|your (?:computer|pc|system|network|laptop) is (?:hacked|compromised|infected))\b`) },
  // ---- lures
  { tactic: null, evidence: 'prize', label: 'a prize', re: r(String.raw`\b(?:publishers clearing house|(?:selected|chosen) as (?:a |an |our |the )?(?:\w+ ){0,2}winner|pre-?approved for (?:a |an )?(?:loan|grant)|(?:government|federal) grant|you(?:'ve| have)? (?:just )?won(?!')|winner of|prize|lottery|sweepstakes?|jackpot|free (?:vacation|cruise|gift)|claim your (?:reward|prize|winnings)|reward (?:program|points))\b`) },
  { tactic: null, evidence: 'refund', label: 'a refund', re: r(String.raw`\b(?:(?:membership|subscription|prime|renewal|geek squad) (?:will be |has been |was |is )?(?:auto[- ]?)?(?:renew(?:ed|al|ing)?|charged|debited) (?:for|of|with) (?:\$|\d)|refund (?:department|team)|refund(?:ed|s)?|overcharged|reimburs\w*|overpaid|overpayment)\b`) },
  { tactic: null, evidence: 'prize', label: 'a prize', re: r(String.raw`\b(?:(?:you|your (?:\w+ ){0,3}?)(?:have|has) been (?:selected|chosen|approved|pre-?approved)|(?:loan|grant) (?:is|has been|was|got) (?:approved|sanctioned)|approved for (?:a |an |the )?(?:\w+ )?(?:loan|grant)|(?:you|your (?:\w+ ){0,3}?)(?:are|is|were|was) (?:the |our |a |one of (?:the|our) )?(?:lucky |grand |first |second |third |big )?(?:prize )?winners?|(?:free|complimentary) (?:\w+ ){0,3}?(?:cruise|vacation|trip|holiday)|ganador|ganaste|ha ganado|loter[ií]a)\b`) },
  { tactic: null, evidence: 'refund', label: 'a refund', re: r(String.raw`\b(?:(?:subscription|membership|plan|service|protection|license|licence)(?: \w+){0,4}? (?:is |was |will be |has been |getting |get )?(?:auto[- ]?renew\w*|renew\w* automatically|renewed)|eligible for (?:a |the )?(?:full )?refund|(?:it is|it's|amount (?:will be|was|is)) (?:already )?(?:charged|deducted|debited))\b`) },
  { tactic: null, evidence: 'prize', label: 'a windfall', re: r(String.raw`\b(?:next of kin|unclaimed (?:funds|deposit|estate|inheritance|money)|(?:an? )?inheritance (?:from|of|left)|(?:late|deceased) (?:relative|client|husband|uncle|mr|mister)|share the (?:funds|money|inheritance)|(?:one of|among) (?:the |our |only )?(?:\w+ ){0,2}(?:lucky )?winners|(?:selected|picked|drawn) in (?:our|the|an?) (?:\w+ ){0,2}(?:ballot|draw|lottery|raffle|sweepstakes)|relief (?:payment|fund|grant|money)|(?:do not|don't) (?:need|have) to (?:pay|give) (?:it|this|that) back|recipient of (?:the|a|our) (?:\w+ ){0,2}(?:payment|grant|award|funds?))\b`) },
  // ---- urgency and threats
  { tactic: 'urgency', evidence: 'threat', label: 'threatens arrest', re: r(String.raw`\b(?:arrest(?:ed)?|warrant|jail|prison|deport(?:ed|ation)?|police will|officers? (?:will|are) (?:come|coming))\b`), negatable: true },
  { tactic: 'urgency', evidence: 'threat', label: 'threatens legal action', re: r(String.raw`\b(?:lawsuit|sue you|legal action|(?:be|been|get) (?:sued|prosecuted)|criminal (?:charges|case|investigation|record)|court (?:case|summons|order)|legal (?:case|matter|proceedings|notice)|federal (?:crime|case|charges|offen[cs]e)|money laundering|drug trafficking|case (?:number|id) (?:against|filed)|filed against you|fines? and penalt\w+)\b`), negatable: true },
  { tactic: 'urgency', evidence: 'threat', label: 'threatens to suspend your account', re: r(String.raw`\b(?:(?:suspend|freeze|block|lock|close|cancel)(?:ed)? (?:your|the) (?:account|card|number|social|license|service|computer)|(?:account|card|number|sim|social security|license|licence|computer|connection|power|supply|electricity|policy|cover|coverage|permit|visa|status|listing|registration)s? (?:will be|has been|have been|is|are|was|were|is going to be|gets?|could be) (?:permanently |temporarily |automatically )?(?:suspended|frozen|blocked|locked|closed|terminated|deactivated|disconnected|barred|cut off|cancell?ed|revoked|(?:flagged as )?lapsed)|(?:is|are) going to be (?:suspended|frozen|blocked|locked|closed|terminated|deactivated|shut off|disconnected|cut off)|(?:power|electricity|gas|water|service|internet) (?:will|is going to|gets?) (?:be )?(?:shut off|disconnected|cut off|turned off)|disconnections? (?:department|notice|order|team|(?:is )?scheduled)|(?:power|electricity|supply|gas|water) (?:will be |gets? )?cut off|removal proceedings|(?:department|office) of disconnection|disconnect (?:the|your) (?:power|electricity|gas|water|service|line|internet|connection)|repossess\w*|(?:seize|seizure of|freeze|garnish\w*) (?:your|the) (?:assets|property|vehicle|car|wages|salary|house|bank accounts?)|wanted list|blacklist(?:ed)?|(?:pull|remove|disconnect|cut) (?:your|the) (?:meter|supply|connection))\b`), negatable: true },
  { tactic: 'urgency', evidence: 'compromise', label: 'says your account has been compromised', re: r(String.raw`\b(?:(?:someone|somebody|hackers?|scammers?) (?:has |have |had )?(?:got |gotten |gained |getting |is getting |are getting )?(?:access|into|in) (?:to )?(?:your|the) (?:account|computer|bank|system|device|details)|hackers? (?:are|is|have been|were) (?:getting|trying|accessing|stealing|in)|(?:secure|protect) (?:your|the) (?:account|computer|money|savings|funds)|(?:your|the) (?:savings|money|funds|account) (?:are|is) (?:at risk|not safe|in danger)|(?:licen[cs]e|subscription|warranty|protection) (?:has |have )?(?:expired|is expiring)|(?:someone|somebody|hackers?) (?:is |are |has been |have been )?trying to (?:access|get into|hack|steal)|your (?:account|email|phone|bank account|apple id|icloud|identity) (?:has been|was|got|is being) (?:hacked|compromised|stolen|breached))\b`) },
  { tactic: 'urgency', evidence: 'time-pressure', label: 'pressures you to act now', re: r(String.raw`\b(?:immediately|right away|right now|as soon as possible|within (?:the next )?(?:\d+|one|two|twenty[- ]four|24|48) (?:hours?|minutes?)|by the end of (?:the )?(?:day|today)|last chance|final (?:notice|warning)|urgent(?:ly)?|before it'?s too late|(?:pay|act|do it|send it|this must be done) (?:today|now|tonight)|(?:payment|transfer|it|money) (?:through|out) today|get (?:this|it) (?:done|sorted|paid|updated) today|if you (?:transfer|pay|send it) today|(?:went|goes|go) out today)\b`) },
  { tactic: 'urgency', evidence: 'threat', label: 'threatens to cut you off', re: r(String.raw`\b(?:(?:computer|data|files|pc|laptop|system) will (?:stop working|be (?:deleted|locked|blocked|crashed|corrupted|damaged))|lose (?:all )?(?:your|the) (?:data|coverage|benefits|files|pictures|photos|money|prize|grant|approval)|(?:prize|grant|loan|approval|winnings|refund) (?:will be |is |gets )?(?:forfeit(?:ed)?|cancel(?:led|ed)?|go(?:es)? to (?:another|the next))|give the (?:prize|money|grant) to (?:another|someone else|the next)|orden de arresto|ser[aá] arrestado)\b`), negatable: true },
  { tactic: 'urgency', evidence: 'compromise', label: 'says your account has been compromised', re: r(String.raw`\b(?:(?:someone|somebody|hackers?|people)(?: \w+){0,4}? (?:has|have|had|got|getting|is getting|are getting) (?:the )?access (?:to|of|on) (?:your|the)|(?:multiple|several|many|suspicious|unusual) (?:failed )?(?:login|log-?in|sign-?in) attempts?|(?:account|apple id|icloud|id|email)(?: account)? (?:has been|was|got|is) (?:breached|hacked|compromised|locked)|suspicious activit(?:y|ies) (?:has been |have been |was |were )?(?:detected|found|noticed|seen) (?:on|in|with) your|do not use your (?:phone|iphone|computer|device|card)|suspendido|suspendida)\b`) },
  { tactic: null, evidence: 'robocall', label: 'an automated call', re: r(String.raw`\b(?:press (?:1|one|won|9|nine)[.,]? (?:now[.,]? )?(?:to|for)|call (?:us |me |this number |our office )?back(?: \w+){0,2}? (?:at|on|to|using) (?:the |this |our )?(?:number|toll[- ]free|\d|one|two|three|four|five|six|seven|eight|nine|zero|oh)|(?:add|text|message|contact|reach) (?:me|us) (?:on|via|through) (?:whatsapp|telegram|signal|wechat|viber)|press (?:1|one) now\b|(?:for more (?:information|details)|to (?:speak|talk) (?:to|with) (?:an? )?(?:agent|officer|representative)),? press (?:\d|one|two|nine|zero)\b|call us back (?:at|on)\b|(?:this is|this call is) an? (?:automated|recorded|pre-?recorded) (?:message|call)|(?:automated|recorded) (?:message|call) (?:from|for|regarding)|oprima (?:el )?(?:1|uno))\b`) },
  { tactic: 'credentials', evidence: 'personal-details', label: 'your personal details', re: r(String.raw`\b(?:(?:your|the) date of birth|(?:confirm|verify|give me|tell me) (?:your |the )?(?:full )?(?:name and |home |mailing )?address|(?:what is|what's) (?:the name of )?your bank|name of your bank|(?:apple id|account) email|(?:confirm|verify|give me|tell me) your (?:personal )?details|(?:a )?(?:copy|photo|picture) of your (?:id|identification|driver'?s licen[cs]e|passport|social security card))\b`), negatable: true },
  { tactic: null, evidence: 'money-request', label: 'a payment', re: r(String.raw`\b(?:(?:settle|clear|resolve|close) (?:\w+ ){0,3}(?:today|now|tonight) for|send (?:me )?(?:the )?(?:first month|deposit|rent|holding fee)|pay|send|transfer|deposit|wire) (?:us |me |him |them )?(?:the |a |an |only |just )?(?:amount|sum|money|balance|difference|fee|\$ ?\d|\d[\d,.]* ?(?:dollars|bucks|pounds|euros)|(?:one|two|three|four|five|six|seven|eight|nine|ten|fifty|hundred|[a-z]+ty)(?:[- ][a-z]+)? (?:hundred|thousand|dollars))|(?:\$ ?\d[\d,.]*|\d[\d,.]* dollars|(?:one|two|three|four|five|six|seven|eight|nine)(?: hundred)?(?: and)?[- ](?:ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?(?: dollars)?) for (?:the |a |one |three )?(?:lifetime|one[- ]year|three[- ]years?|year|plan|support|service|protection|licen[cs]e|security|subscription|network security|the fix)\b`), negatable: true },
  // The ask itself in a trade's, landlord's or supplier's words: a deposit to pay, account details to pay into.
  { tactic: null, evidence: 'money-request', label: 'a payment', re: r(String.raw`\b(?:(?:a |the |an )?(?:deposit|down ?payment|holding fee|advance|retainer) of (?:about |around |just |only )?(?:\$ ?\d[\d,.]*|\d[\d,.]* ?(?:dollars|bucks|pounds|euros|quid|grand|k|rupees|rand)?|(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a) (?:\w+ )?(?:hundred|thousand|grand|lakh))|(?:give|read|text|send) you (?:the |our |my )?(?:bank |account |payment |transfer )?(?:details|account number)(?: for (?:the |a )?(?:deposit|payment|transfer))?|(?:pay|transfer|send) (?:it |that |the (?:invoice|balance|amount|deposit) )?(?:today |now |over )?(?:in)?to (?:the|our|this|that|my) new (?:account|bank account)|(?:need|get) the (?:transfer|payment|deposit|money) (?:in|through|sent|done) (?:by|before|today|now|tonight)|(?:make|send) (?:a|the) (?:\w+ )?payment (?:today|now|immediately|right away|tonight|within)|(?:take|process|put through) (?:a |the |your )?(?:card )?(?:payment|deposit)(?: \w+){0,2}? (?:today|now|over the phone|right now)|(?:pay|paying|do it) (?:it |that )?(?:by|with|over the phone (?:by|with)) (?:a |your )?(?:card|credit card|debit card|bank transfer|direct (?:bank )?transfer)|(?:a |the )?direct (?:bank )?transfer to (?:our|my|the)|(?:pay|paying|send|sending|take|taking|do|doing) (?:it |that |payment |the (?:payment|money|fee|balance|deposit) )?(?:by |with |via |through |on |using |over )?(?:a |an |the )?(?:bank transfer|e-?transfer|you pee eye|u p i)|(?:\$ ?\d[\d,.]*|\d[\d,.]* ?(?:dollars?|bucks|pounds|euros?|quid|grand|rupees|rand)|(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a) (?:\w+ )?(?:hundred|thousand|grand)(?: (?:dollars?|pounds|euros?|rupees|quid))?)(?: \w+){0,4}? (?:for (?:the )?materials|up ?front|in advance|as (?:a |the )?deposit))\b`), negatable: true },
  { tactic: 'urgency', evidence: 'threat', label: 'threatens to cut you off', re: r(String.raw`\b(?:(?:shut|cut|turn|switch) (?:off|down) (?:your |the )?(?:service|power|gas|electricity|water|supply|heat|internet)|(?:payments?|benefits?|deposits?|pension) (?:could|will|would|might|may) (?:pause|stop|be (?:paused|stopped|suspended|cut|cancell?ed))|empty (?:your|the) (?:account|savings|bank account)|mark (?:your|the) (?:file|account|case) as (?:unverified|inactive|suspended|fraudulent))\b`), negatable: true },
  { tactic: 'urgency', evidence: 'compromise', label: 'says your account has been compromised', re: r(String.raw`\b(?:(?:a |an )?(?:new|unknown|unrecogni[sz]ed|foreign) device (?:has )?(?:tried|trying|attempted|signed|logged|accessed)|(?:someone|somebody) (?:has )?(?:tried|is trying|was trying|attempted) to (?:sign|log) (?:in|into|on))\b`) },
  // ---- pretexts (docs/scam-families.md): the story before the hook; none is evidence of a scam alone
  { tactic: null, evidence: 'charity', label: 'a charity appeal', re: r(String.raw`\b(?:(?:disaster|earthquake|hurricane|flood|wildfire|fire|tornado|storm|tsunami|famine|war|refugee|relief|emergency|victims?)(?: \w+)? (?:appeal|fund|relief|charity|foundation|donations?)|raising (?:urgent |emergency )?(?:funds|money|donations)|(?:make|give|send) (?:a |your )?donation|donat(?:e|ing) (?:to|today|tonight|now|something)|(?:firefighters?|police|veterans?|troopers?|sheriffs?)(?:'s?)? (?:association|fund|benevolent|charity|foundation))\b`) },
  { tactic: null, evidence: 'job', label: 'a job offer', re: r(String.raw`\b(?:(?:offer|offering) you (?:a |the |an )?(?:\w+ ){0,2}(?:job|position|role)|(?:you(?:'ve| have)? been|you were|you are|you're) (?:shortlisted|hired|selected for (?:the|a|this) (?:job|role|position))|(?:job|work|employment) offer|offer letter|(?:the|a|this) (?:job|role|position|vacancy) (?:you applied for|is yours|pays)|(?:you|that you) applied for (?:a |the |our )?(?:\w+ ){0,3}(?:job|role|position|vacancy)|(?:work|working) from home (?:job|position|opportunity)|(?:mystery|secret) shopper|(?:personal|executive) assistant (?:job|position|role)|(?:starter|training) kit|(?:onboarding|training|equipment|background check) (?:fee|cost|payment))\b`) },
  { tactic: null, evidence: 'delivery', label: 'a parcel waiting', re: r(String.raw`\b(?:(?:tried|attempted|unable) to deliver|(?:a |your |the )?(?:parcel|package|shipment|delivery) (?:is |was |has been )?(?:on hold|held|waiting|pending|stopped|returned|in (?:customs|the depot|our warehouse))|(?:customs|import|redelivery|re-delivery|rebook(?:ing)?) (?:duty|duties|charge|fee|tax)|(?:redeliver|rebook) (?:the |your )?(?:parcel|package|delivery)|unpaid (?:shipping|postage|delivery|customs) (?:fee|charge|duty))\b`) },
  { tactic: null, evidence: 'rental', label: 'a home to rent', re: r(String.raw`\b(?:(?:post|send|courier|mail) (?:you )?the keys|keys (?:by|through the) (?:courier|post|mail)|can'?t (?:do|show|arrange) (?:any )?(?:viewings?|a viewing|it in person)|(?:i'?m|i am) (?:working|living|based|stuck|currently) (?:abroad|overseas|out of the country))\b`) },
  { tactic: null, evidence: 'romance', label: 'a sweetheart far away', re: r(String.raw`\b(?:(?:hey|hi|hello),? (?:my )?(?:beautiful|gorgeous|my love)|(?:i'?m|i am|while i'?m|while i am) (?:still )?(?:deployed|on (?:the|an|a) (?:oil )?(?:rig|base|ship|mission|peacekeeping mission)|stationed (?:in|at|overseas|abroad))|(?:commanding officer|my unit|my deployment)|(?:when|before) (?:i|we) (?:finally )?(?:meet|see each other) (?:in person|for the first time))\b`) },
  { tactic: 'impersonation', evidence: 'new-number', label: 'a relative on a new number', re: r(String.raw`\b(?:(?:calling|texting|on) (?:from )?(?:a|my) (?:friend'?s|mate'?s|new|borrowed|colleague'?s) (?:phone|number|mobile|cell)|(?:this is|it'?s) my new (?:number|phone)|my (?:old )?(?:phone|mobile|cell) (?:broke|is broken|died|is dead|fell|got (?:wet|stolen|smashed)|was stolen)|(?:lost|dropped|broke|smashed) my (?:phone|mobile|cell))\b`) },
  { tactic: null, evidence: 'read-back', label: 'reading it back to the caller', re: r(String.raw`\b(?:(?:read|say|tell|give)(?: me)?(?: it| that| them| those| the (?:code|digits|numbers?))? (?:back )?(?:to me|back|out to me|out loud to me)|(?:read|tell|give) me (?:the|that|those|what) (?:code|digits|numbers?)|(?:read|tell) me what (?:it|the (?:text|message|screen)) says)\b`), negatable: true },
  { tactic: 'payment', evidence: 'new-bank-details', label: 'paying new bank details', re: r(String.raw`\b(?:(?:we(?:'?ve| have)?|we'?re|our company has) (?:just |recently |now |also )?(?:changed|changing|switched|moved) (?:banks?|our bank(?:ing)?(?: details)?|our account(?: details)?)|(?:our|the) new (?:bank )?(?:account number|account details|bank details|banking details|sort code|routing number)|(?:old|previous) (?:account|bank) details (?:won't|will not|no longer) work)\b`) },
  { tactic: null, evidence: 'offer', label: 'an offer too good to be true', re: r(String.raw`\b(?:(?:student )?loans? (?:forgiveness|forgiven|cancell?ation|discharge)|forgiveness (?:program|plan|center|centre)|qualify for (?:full |loan |debt )?(?:forgiveness|discharge)|(?:balance|debt|loans?) (?:forgiven|wiped|cleared|cancell?ed)|(?:lower|reduce|drop|cut) (?:your |the )?(?:credit card |card )?(?:interest rates?|apr|monthly payments?)|(?:interest rates?|apr) (?:reduction|lowered)|(?:extended|vehicle|car|auto|factory) warranty|reinstate your (?:coverage|warranty)|(?:free|no[- ]cost|at no cost to you|costs? you nothing|fully covered)(?: \w+){0,4} (?:back brace|knee brace|brace|genetic|dna|cancer screening|test kit|testing kit|medical alert|hearing aid|glucose monitor)|(?:rebate|refund) of (?:around |about |up to )?(?:\$|\d|one|two|three|four|five|six|seven|eight|nine|ten)|(?:half price|fifty percent|50 ?%) (?:off|discount) (?:on |off )?your (?:\w+ )?(?:bill|service|plan|subscription))\b`) },
  // Pitches to businesses, owners and buyers whose hook is money up front (docs/scam-families.md "Small
  // businesses, trades and sellers"): a listing or domain to renew, materials paid before the work, a
  // buyer for the timeshare, a bonus or points about to lapse, a toll or a part-time job; and holiday lets
  // booked off the platform. Offers, not hooks: the hook is the payment or details asked after them.
  { tactic: null, evidence: 'offer', label: 'an offer with money up front', re: r(String.raw`\b(?:(?:business |online |trade |premium )(?:directory|listing)s?|(?:directory|listing) (?:renewal|entry|upgrade|subscription|fee)|(?:google|business|maps) (?:listing|profile) (?:verification|is (?:unverified|at risk|suspended))|domain names?(?: \w+){0,3} (?:registration|registered|renewal|application|expir\w*)|regist(?:er|ering|ration of) (?:the |these |those |your )?(?:\w+ )?domains?|(?:deposit|payment|cash|pay) (?:up ?front|in advance) for (?:the )?materials|materials (?:up ?front|in advance|deposit)|timeshares?|(?:buyer|purchaser) for your (?:timeshare|week|unit|property)|(?:resale|closing|transfer) fees?|(?:bonus|maturity (?:amount|payout)) (?:on|from|under) your (?:policy|plan)|(?:reward|loyalty) points (?:are |will |about to )?(?:expir\w*|lapse)|(?:unpaid|outstanding|overdue) (?:tolls?|e-?tolls?|parking (?:fines?|charges?))|toll (?:balance|charges?|fees?|violation)|part[- ]time (?:job|work|role|opportunit\w+)|work[- ]from[- ]home (?:job|opportunit\w+)|earn (?:\w+ ){0,3}(?:a day|per day|daily|an hour|a week) (?:from home|online|on your phone)|final expense|burial (?:insurance|policy|plan)|(?:solar|battery|heat pump) (?:rebate|grant|program|programme|scheme)|book (?:it )?(?:directly|direct) (?:with|through) (?:me|us)|(?:off|outside) (?:the )?(?:platform|airbnb|booking\.com|site))\b`) },
  { tactic: 'credentials', evidence: 'id-number', label: 'your ID number', re: r(String.raw`\b(?:medicare (?:number|id|card number)|(?:number|id) (?:on|from) your (?:current |old |red,? white and blue |new )?(?:medicare|medicaid|insurance|health) card|(?:member|membership|policy|id) number (?:off|on|from) (?:your|the) (?:current |old )?card|(?:fsa|student aid) (?:id|login|username|password)|national insurance number|passport number|tax file number|tfn|a+dh?aa?r(?: card)?(?: number)?|pan (?:card|number)|pps number|ird number|(?:my ?gov|mygov|gov\.uk|government gateway|login\.gov|id\.me) (?:login|account|password|sign-?in|details))\b`), negatable: true },
  { tactic: 'payment', evidence: 'wire', label: 'sending money on from a cheque', re: r(String.raw`\b(?:deposit (?:the|this|that|a) (?:check|cheque)[^.?!]{0,80}?\b(?:send|transfer|wire|buy|forward|keep)|(?:send|transfer|wire|forward) (?:the )?(?:rest|remainder|balance|difference|extra) (?:of it |of the money )?(?:to|on|back)|deposit it[^.?!]{0,60}?\b(?:keep|use) (?:the rest|\w+ (?:hundred|dollars)(?: \w+)? as your pay)|send (?:\w+ ){0,4}to the (?:name|person|payee) (?:on|in|from) your)\b`) },
  { tactic: 'payment', evidence: 'wire', label: 'a transfer to a personal account', re: r(String.raw`\b(?:(?:send|transfer|pay|wire) (?:it |the money |the donation |a transfer )?(?:straight |directly )?(?:to|into) (?:my|his|her|our (?:coordinator|agent|manager)'s|the (?:coordinator|agent|manager|landlord)'s) (?:personal )?(?:account|bank)|personal (?:bank )?account)\b`), negatable: true },
  { tactic: 'urgency', evidence: 'threat', label: 'threatens to expose you', re: r(String.raw`\b(?:(?:send|share|post|release|forward|upload) (?:it|the video|the photos?|the pictures?|them|everything)(?: \w+)? to (?:everyone|everybody|all (?:of )?your|your (?:contacts|friends|family|boss|wife|husband|employer|colleagues))|(?:i|we) (?:have|recorded|got|made) (?:a |the )?(?:video|recording|photos?|pictures?) of you)\b`) },
  // ---- secrecy
  { tactic: 'secrecy', evidence: 'secrecy', label: 'tells you to keep it secret', re: r(String.raw`\b(?:(?:don'?t|do not|never) (?:tell|inform|mention (?:this|it) to|talk to|discuss (?:this|it) with|speak to) (?:anyone|anybody|your (?:bank|family|wife|husband|kids|children|son|daughter|mom|dad|parents)|the bank|the (?:police|cashier|teller|store)|mom|dad|grandpa|grandma)|keep (?:this|it) (?:between us|confidential|secret|quiet|private|to yourself)|(?:don'?t|do not) hang up|stay on the line (?:with me|until|while you (?:go|drive|are at))|(?:you )?(?:need|have|must) to stay on the line|(?:don'?t|do not) (?:go to|visit|call|contact) (?:the |your )?(?:branch|bank)|(?:don'?t|do not) (?:discuss|talk about) (?:this|it) with (?:the )?(?:staff|anyone|anybody)|can'?t (?:talk|discuss|speak) (?:about )?(?:it|this) (?:with|to) (?:anyone|anybody)|gag order|(?:if|when) (?:they|the teller|the cashier|anyone|anybody|the bank|someone) asks?,? (?:you )?(?:just )?(?:say|tell them)|you (?:say|tell them) (?:it is |it's )?(?:documents|a gift|for (?:a |your )?(?:family|renovation|personal)|personal)|(?:this|the) (?:call|matter|case|investigation) is (?:confidential|strictly confidential|secret))\b`) },
  // ---- unusual payment
  { tactic: 'payment', evidence: 'gift-cards', label: 'payment in gift cards', re: r(String.raw`\b(?:gift ?cards?|itunes(?: cards?)?|google play(?: cards?)?|steam (?:cards?|wallet)|amazon (?:cards?|gift)|(?<!payment |tax |travel )vouchers?|prepaid (?:cards?|debit|payment)|reloadable (?:debit |prepaid |gift )?cards?|ebay cards?|target cards?|walmart cards?|the (?:back|pin) of the card|scratch (?:off )?the back|green ?dot|(?:apple|play ?store|razer gold|sephora|best buy) (?:gift )?cards?)\b`), negatable: true },
  { tactic: 'payment', evidence: 'crypto', label: 'payment in cryptocurrency', re: r(String.raw`\b(?:bitcoins?|btc|crypto(?:currency)?|bitcoin (?:atm|machine)|ethereum|usdt|tether|crypto (?:wallet|atm))\b`), negatable: true },
  { tactic: 'payment', evidence: 'wire', label: 'a wire transfer', re: r(String.raw`\b(?:wire (?:transfer|the money|the funds|it)|(?:send|make|do) (?:a|the) wire (?:to|from|out)|western union|moneygram|money ?gram|(?:send|transfer) (?:the )?money (?:to|through|via)|by (?:international |bank )?(?:money transfer|wire)|payment app|(?:send|pay) (?:it |the money )?(?:by|through|via|on) (?:a |the )?(?:payment |money )?app\b|zell(?:e)?|cash ?app|venmo|revolut|(?:paypal )?friends (?:and|&) family|interac|e-? ?transfers?|payid|paynow|(?:by|via|on|through|using|with|your|my|our|the) pay (?:id|now)\b|osko|(?:upi|u p i)(?: id| pin| app)?|g ?pay|google pay|phone ?pe|paytm|bhim|e-?check|electronic check|(?:numbers?|digits) (?:at|on) the bottom of (?:the|your|a) check|write (?:void|"void") on)\b`), negatable: true },
  { tactic: 'payment', evidence: 'safe-account', label: 'moving your money to a "safe account"', re: r(String.raw`\b(?:safe account|secure account|protected account|safety account|holding account|vault account|(?:move|transfer) (?:all )?(?:your|the) (?:money|funds|savings|balance) (?:to|into)|(?:only way|best way) to (?:protect|keep|save) (?:the rest of )?(?:your|the) (?:money|funds|savings) is to (?:move|transfer|wire|send))\b`), negatable: true },
  { tactic: 'payment', evidence: 'cash', label: 'handing over cash', re: r(String.raw`\b(?:cash (?:pick ?up|pickup|collection)|courier (?:will|to) (?:collect|pick up|come)|(?:withdraw|take out) (?:\$?\d[\d,]*(?: dollars)? (?:in |of )?)?(?:cash|the money)|(?:withdraw|take out) (?:\w+ ){1,4}in cash|(?:come|comes|coming) to your (?:door|house|home) (?:and |to )?(?:collect|pick up)|collect the (?:money|cash|card|cards)|send (?:the )?cash|mail (?:the )?cash|put (?:the )?cash in (?:an|a) envelope|(?:put|hide|place|spread|wrap|tape) (?:the )?(?:cash|money|notes|bills|hundred dollar bills) (?:inside|in|between|into)|send (?:it|the (?:cash|money|package)) (?:by |through |via )?(?:fedex|ups|overnight|courier))\b`), negatable: true },
  { tactic: 'payment', evidence: 'fee', label: 'an up-front fee', re: r(String.raw`\b(?:processing fee|(?:small|one-time|release|transfer|handling|clearance|activation|insurance|delivery|shipping|security|customs|port|registration|legal|processing|application|preparation|enrol?lment|training|admin|leave|bond|bail|document|unlock|withdrawal|liquidity|exit|storage|correction|reroute|rerouting|redelivery|reschedul\w*|service|verification|certificate) (?:fees?|charges?|deposit)|fee of (?:\$ ?\d|\d|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred)\b|(?:tax|fee|deposit|payment) to (?:unlock|release|withdraw|activate)|pay (?:a|the) fee|pay (?:the )?taxes on (?:the|your) (?:prize|winnings)|(?:first|advance) (?:installment|instalment|payment) (?:as|for) (?:a |the )?(?:guarantee|security|insurance)|security deposit|taxes and fees|only the small (?:charge|fee|amount)|(?:activation|clearance|release|processing|unlock(?:ing)?|verification) (?:payment|amount|account)|small (?:activation|processing|verification) (?:fee|payment|charge))\b`), negatable: true },
  { tactic: 'payment', evidence: 'gift-cards', label: 'payment in gift cards', re: r(String.raw`\b(?:claim code|redemption code|scratch (?:off )?(?:the )?(?:silver|back|strip)|(?:go|drive|walk) to (?:the )?(?:nearest )?(?:walmart|target|cvs|walgreens|best buy|store|pharmacy) and (?:buy|get|purchase))\b`), negatable: true },
  // ---- credentials
  { tactic: 'credentials', evidence: 'ssn', label: 'your Social Security number', re: r(String.raw`\b(?:social security number|social security #|ssn|social insurance number|last four (?:digits )?of your social)\b`), negatable: true },
  { tactic: 'credentials', evidence: 'pin-password', label: 'your PIN or password', re: r(String.raw`\b(?:(?<!chip (?:and|&) )pin(?: number| code)?|password|passcode|login (?:details|credentials|information)|online banking (?:details|credentials|login)|username and password|mother'?s maiden name)\b`), negatable: true },
  { tactic: 'credentials', evidence: 'one-time-code', label: 'the code sent to your phone', re: r(String.raw`\b(?:verification code|one[- ]time (?:code|password|passcode|pin)|otp|security code|authori[sz]ation code|confirmation code|(?:the )?code (?:that )?(?:we|i|you)(?:'ve| have)? (?:just )?(?:sent|texted|received|got)|six[- ]digit code|code (?:on|in) your (?:phone|text|sms)|(?:sent|send|texted|text) you a (?:\w+ )?(?:code|pin)|(?:sending|sent|send|texting) (?:you )?(?:a|the) code to your (?:phone|email|mobile|number|cell)|(?:send|text|sending|texting) (?:you )?(?:a|an|the) (?:confirmation|verification|activation|security|reference) (?:number|pin|digits) to your (?:phone|mobile|cell)|(?:get|receive|see) a text (?:\w+ ){0,5}with a (?:\w+ )?code|what'?s the code|read (?:me |out |it back to me |back )?(?:the |those |that |it )?(?:\w+[- ])?(?:code|digits)|(?:(?:\w+[- ])?digit code|code) (?:it|that|which) (?:shows|gives|displays))\b`), negatable: true },
  { tactic: 'credentials', evidence: 'card-number', label: 'your card details', re: r(String.raw`\b(?:(?:credit|debit|bank) card (?:number|details|information)|(?:your|the) card details|card numbers?|cvv|cvc|(?:expiration|expiry) dates?|(?:16|sixteen)[- ]digit (?:number|card)|(?:long )?numbers? (?:on|across) (?:the front of )?(?:your|the) card)\b`), negatable: true },
  { tactic: 'credentials', evidence: 'account-number', label: 'your account details', re: r(String.raw`\b(?:(?:bank )?account (?:number|details|information|credentials)|routing number|sort code|bsb|iban|ifsc(?: code)?)\b`), negatable: true },
  { tactic: 'credentials', evidence: 'bank-login', label: 'access to your online banking', re: r(String.raw`\b(?:log ?(?:in|into|on)(?: to)? (?:your )?(?:online )?(?:bank(?:ing)?|checking|savings)(?: account)?|open (?:your )?(?:online )?banking|how much (?:money )?(?:do you have|is there|you have) in (?:your )?(?:account|bank|checking|savings)|which bank (?:do you|are you)|what bank (?:do you|are you)|(?:online|mobile|internet) banking access)\b`), negatable: true },
  // ---- remote access
  { tactic: 'remote-access', evidence: 'remote-access', label: 'remote access to your computer', re: r(String.raw`\b(?:any ?desk|team ?viewer|ultra ?viewer|logmein|log me in|supremo|remote (?:access|desktop|control|session|connection|support (?:tool|software|app))|access (?:to )?your (?:computer|pc|laptop|screen|device)|(?:connect|connected) (?:to )?your (?:computer|pc|laptop)|share your screen|screen ?shar\w+|click (?:on )?(?:accept|allow|connect|run|yes to allow)|support id|(?:open|launch) (?:your )?(?:web )?(?:browser|google chrome|chrome|internet explorer|edge))\b`), negatable: true },
  { tactic: 'remote-access', evidence: 'install-app', label: 'installing an app', re: r(String.raw`\b(?:(?:download|install)(?:ing)? (?:an?|the|this|our|that|a small|this small|free)? ?(?:app|application|software|program|tool|support tool)|(?:go|type|open)(?: to)? (?:www\.?|w w w)|(?:press|hold) (?:the )?windows (?:key|button)|windows key and (?:the )?r|event viewer|(?:sit(?:ting)?|be|go|get|are you|you are) (?:right )?in front of (?:your|the) (?:computer|pc|laptop)|turn on (?:your|the) (?:computer|pc|laptop)|(?:please )?(?:turn|switch) (?:it|the computer|your computer) on|do you have a (?:computer|laptop|pc)(?: or a (?:computer|laptop|pc|tablet))?|(?:click|press) (?:on )?(?:the |that )?(?:windows|start) (?:button|key|flag|logo)|(?:windows|start) (?:button|flag|logo) (?:on|in) the (?:bottom|lower)|(?:tell me )?what (?:do )?you see on (?:your|the) (?:computer )?screen|on your keyboard|(?:senior|certified) (?:technician|engineer)|type (?:in |this )?(?:the )?(?:following|exactly|www|w w w|eventvwr|cmd))\b`), negatable: true },
];

const NEGATION = /\b(?:never|not|no one|nobody|won't|wont|don't|dont|doesn't|didn't|shouldn't|cannot|can't|neither|nor)\b|n't\b/i;

/** Hits in `text`, in rule order, one per (rule, match). */
export function detectTactics(text: string): TacticHit[] {
  const hits: TacticHit[] = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = rule.re.exec(text)) !== null) {
      if (m[0].length === 0) {
        rule.re.lastIndex++;
        continue;
      }
      if (rule.negatable && (isNegated(text, m.index) || (rule.tactic === 'payment' && askedWhetherDone(text, m.index)) || ((rule.evidence === 'card-number' || rule.evidence === 'account-number') && askedWhetherKept(text, m.index)) || (rule.tactic === 'credentials' && disclaimedAfter(text, m.index + m[0].length)))) continue;
      if (rule.tactic === 'impersonation' && askedAbout(text, m.index)) continue;
      if (rule.evidence === 'gift-cards' && !giftCardPayment(text, m.index, m[0])) continue;
      if ((rule.evidence === 'wire' || rule.evidence === 'gift-cards') && reportedTransaction(text, m.index, m.index + m[0].length)) continue;
      if (rule.evidence === 'pin-password' && ownPasswordAdvice(text, m.index)) continue;
      if (rule.evidence === 'refund' && /^refund/i.test(m[0]) && refundTerms(text, m.index)) continue;
      if (rule.negatable && warnedAbout(text, m.index + m[0].length)) continue;
      const hit: TacticHit = { tactic: rule.tactic, evidence: rule.evidence, label: rule.label, match: m[0], at: m.index, end: m.index + m[0].length };
      if (rule.tactic === 'credentials' && credentialMentionedOnly(rule.evidence, text, m.index, m.index + m[0].length)) hit.mentionedOnly = true;
      hits.push(hit);
    }
  }
  for (const ask of moneyAsks(text)) {
    if (isNegated(text, ask.at) || askedWhetherDone(text, ask.at) || warnedAbout(text, ask.end)) continue;
    hits.push({ tactic: null, evidence: 'money-request', label: 'a payment', ...ask });
  }
  // "The Flood Relief Fund" is a charity's name, not a relief payment offered: a charity appeal's words
  // are not also a lure.
  const appeals = hits.filter((h) => h.evidence === 'charity');
  return appeals.length === 0 ? hits : hits.filter((h) => h.evidence !== 'prize' || !appeals.some((c) => c.at! <= h.at! && h.end! <= c.end!));
}

/**
 * A negation word shortly before the mention, in the same clause, voids it ("we will never ask for your
 * PIN"); a conditional does not ("if you don't pay you will be arrested").
 */
function isNegated(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 120), at);
  const clauseStart = Math.max(before.lastIndexOf('.'), before.lastIndexOf('?'), before.lastIndexOf('!'), before.lastIndexOf(';'));
  const clause = before.slice(clauseStart + 1).trim().split(/\s+/);
  // "There is no warrant": a bare "no" right before the thing denies it.
  if (/\bno (?:\w+ )?$/i.test(before)) return true;
  const near = clause.slice(-8).join(' ');
  if (NEGATION.test(near)) return !CONDITIONAL.test(near);
  // "Nobody from the court will ever call and ask you to pay with gift cards": the subject denies the
  // whole clause, however far before the thing it names.
  const whole = clause.slice(-24).join(' ');
  return DENYING_SUBJECT.test(whole) && !CONDITIONAL.test(whole);
}

/**
 * "Know your password so you can sign in yourself; we won't ask you for it": a disclaimer right after the
 * mention, in the same sentence, voids it like a negation before it does.
 */
function disclaimedAfter(text: string, end: number): boolean {
  const after = text.slice(end, end + 80);
  const stop = after.search(/[.?!;]/);
  return DISCLAIMER_AFTER.test(stop >= 0 ? after.slice(0, stop) : after);
}

const DISCLAIMER_AFTER = /\b(?:(?:we|i|they|nobody|no one)(?:'ll| will)? (?:won't|will not|never|don't|do not|wont) (?:ever )?(?:ask|need|want)|(?:by |for )?yourself|(?:don't|do not|never) (?:share|give|tell|read)(?: it| that| them| this)?(?: out)? (?:to|with) (?:me|us|anyone|anybody))\b/i;

/**
 * A fraud desk describes a transaction it saw: "a wire transfer of eighteen thousand dollars was requested
 * from your account", "five hundred dollars in gift cards at a grocery store this morning". A description
 * of something done, with no buying verb of the caller's, is not a demand.
 */
function reportedTransaction(text: string, at: number, end: number): boolean {
  const after = text.slice(end, end + 90);
  const stop = after.search(/[.?!;]/);
  const clauseAfter = stop >= 0 ? after.slice(0, stop) : after;
  if (/^(?: \w+){0,7}? (?:was|were|has been|have been|had been) (?:just )?(?:requested|made|sent|initiated|attempted|submitted|set up|placed|charged|approved|declined|flagged)\b/i.test(clauseAfter)) return true;
  const before = text.slice(Math.max(0, at - 50), at);
  return (
    /\b(?:dollars|pounds|euros) (?:in|of|worth of) $/i.test(before) &&
    !/\b(?:buy|get|purchase|pick up|grab|need|must|have to|go)\b/i.test(before) &&
    /^ (?:at|from) (?:a|an|the) /i.test(clauseAfter)
  );
}

/** "If anyone asks you to pay in gift cards, that's a scam": a warning names what it warns against. */
function warnedAbout(text: string, end: number): boolean {
  const after = text.slice(end, end + 60);
  const stop = after.search(/[.?!;]/);
  return /\b(?:that's|that is|it's|it is|thats|its) (?:always |definitely |a sure sign of )?(?:a |an )?(?:scam|fraud|scammer)/i.test(stop >= 0 ? after.slice(0, stop) : after);
}

/**
 * "Cancel at any time and we'll prorate your refund", "a money-back guarantee": a seller's terms, not a
 * refund the caller says the subscriber is owed (the refund scam's lure).
 */
function refundTerms(text: string, at: number): boolean {
  return REFUND_TERMS.test(sentenceAround(text, Math.max(0, at - 200), at));
}

const REFUND_TERMS = /\b(?:(?:may|might|could) (?:also )?(?:be|get) refunded|prorat\w*|money-back|guarantee[ds]?|refund policy|return policy|if you(?:'re| are)? not (?:satisfied|happy)|cancel (?:your|the) (?:policy|plan|membership|contract|subscription) at any time)\b/i;

/** "Change your Wi-Fi password to something new", "with a new password": advice about the subscriber's own password. */
function ownPasswordAdvice(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 40), at);
  return /\b(?:change|reset|update|set|choose|pick|create|make)(?: up)? (?:your|a|the) (?:\w+ ){0,2}$/i.test(before) || /\bnew (?:wi-?fi |network |router )?$/i.test(before);
}

/** "Did you end up buying any gift cards?" asks what the subscriber did, not for a payment. */
function askedWhetherDone(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 60), at);
  const clauseStart = Math.max(before.lastIndexOf('.'), before.lastIndexOf('?'), before.lastIndexOf('!'), before.lastIndexOf(';'));
  return /\b(?:did|have|had) you (?:\w+ ){0,3}(?:buy|bought|buying|send|sent|sending|pay|paid|paying|give|gave|giving|transfer\w*|wire\w*)\b/i.test(before.slice(clauseStart + 1));
}

/** "Do you still have the receipts and the card numbers?" asks what the subscriber kept, not for the numbers. */
function askedWhetherKept(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 60), at);
  const clauseStart = Math.max(before.lastIndexOf('.'), before.lastIndexOf('?'), before.lastIndexOf('!'), before.lastIndexOf(';'));
  return /\b(?:do|did) you (?:still )?(?:have|keep|kept) (?:the|your|any|a)\b/i.test(before.slice(clauseStart + 1));
}

/** "Is this the IRS?" asks about an organisation rather than claiming to be it. */
function askedAbout(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 40), at);
  const clauseStart = Math.max(before.lastIndexOf('.'), before.lastIndexOf('?'), before.lastIndexOf('!'), before.lastIndexOf(';'));
  return ASKED_ABOUT.test(before.slice(clauseStart + 1));
}

const ASKED_ABOUT = /\b(?:is this|is that|are you(?: with| from)?|am i (?:speaking|talking) (?:to|with)|trying to reach|looking for|hoping to reach|how do i know (?:this|that|you)|(?:this|that|it) (?:isn't|is not|wasn't|was not))\b/i;

/**
 * A gift card offered as a reward is not a payment demand; nor is a plain "gift card" mentioned with no
 * buying or paying in its sentence ("as for the gift cards, we post them within a week"). Brand cards
 * scammers name (Google Play, iTunes, Steam) need no such context.
 */
function giftCardPayment(text: string, at: number, match: string): boolean {
  if (INCENTIVE.test(text.slice(Math.max(0, at - 60), at)) || INCENTIVE_AFTER.test(text.slice(at + match.length, at + match.length + 40))) return false;
  // A transaction the subscriber is asked about ("a gift card purchase at a grocery store", a fraud desk's
  // question), a payment they made ("you paid with a gift card"), or where a refund goes ("the refund can
  // go onto a new gift card") is not a demand.
  if (CARD_AS_TRANSACTION.test(text.slice(at + match.length, at + match.length + 30)) || CARD_IN_PAST_OR_REFUND.test(text.slice(Math.max(0, at - 60), at))) return false;
  const sentence = sentenceAround(text, at, at + match.length);
  // Paying is asked of the subscriber: a friend choosing a Sephora card for her niece asks nothing.
  if (!ASKS_SUBSCRIBER.test(sentence) && !IMPERATIVE.test(sentence)) return false;
  if (!GENERIC_CARD.test(match)) return true;
  return !INCENTIVE.test(sentence) && PAY_CONTEXT.test(sentence);
}

const CARD_AS_TRANSACTION = /^\s*(?:purchases?|transactions?|charges?|order) (?:at|from|for|of|on|in)\b/i;
const CARD_IN_PAST_OR_REFUND = /\b(?:(?:you|she|he|they|your \w+) (?:paid|bought|purchased|used|got|gave you)(?: \w+){0,3}|purchases? of|(?:refund|credit|balance|money)(?: \w+){0,6} (?:onto|on to|into|to|as|on)(?: a| an| the| your)?(?: new| store| digital)?|(?:put|load|add|issue) (?:the )?(?:full )?(?:price|amount|value|money|refund|credit)[^.?!]{0,40}?(?:onto|on to|into|on) (?:a|an|the|your)(?: new| store| digital)?) *$/i;

/** Words that address a request to the subscriber, or state the only way to pay. */
const ASKS_SUBSCRIBER = /\b(?:you|you'll|you're|please|need|needs|must|have to|has to|(?:only|quickest|easiest|fastest|simplest|best|safest) (?:way|option|method)|easiest with|accept(?:s|ed)?|takes?|payable)\b/i;

/** A sentence that starts with an order ("Buy Google Play cards", "Pay with iTunes cards"). */
const IMPERATIVE = /^\s*(?:(?:and|so|now|then|just|ok(?:ay)?|first|next)[, ]+)*(?:buy|get|go|pay|send|purchase|pick up|grab|read|scratch|load|take)\b|\b(?:read|give|send|text|tell) (?:me|us)\b/i;

const GENERIC_CARD = /^(?:gift ?cards?|vouchers?|prepaid)/i;
const PAY_CONTEXT = /\b(?:buy|bought|buying|purchase|purchasing|pay|paying|paid|payment|load|put|scratch|numbers?|codes?|back of|worth of|send|read|store|walmart|target|cvs|walgreens|pharmacy)\b/i;

/** A gift card offered as a reward is not a payment demand. */
const INCENTIVE = /\b(?:goodwill|we(?:'ve| have) added|receive|earn|win|won|give you|send you|reward(?:ed)?|bonus|free|thank[- ]you|complimentary|token of|as a gift|you'll get|you will get|offer(?:s|ing)?|gives you|redeem(?:ed)?|referral|sign-?up|discounts?)\b/i;
const INCENTIVE_AFTER = /^[^.?!]*?\b(?:for (?:every|each|signing|new|your)|to new customers|you can earn|you'll earn|as a (?:thank|bonus|reward|gift))\b|^\s*(?:that )?(?:i|we) (?:put|sent|mailed|gave|left|got) (?:you|in|into|inside)\b/i;

/** The caller reports what someone else said ("I got a call from someone saying…"): not their own claim. */
const REPORTED = /\b(?:(?:i(?:'ve| have)?|you(?:'ve| have)?(?! (?:just )?(?:got|received|had|getting) this)) (?:just )?(?:got|received|had|getting) (?:a|an|this|some|these|that) (?:call|phone call|calls|message|text|email|e-mail|letter|notification|pop-?up|voicemail|notice)|someone (?:claiming|who claimed|pretending|saying|said|called me)|(?:he|she|they|the man|the guy|the woman) (?:said|told me|asked (?:me )?for|wanted)|scam(?:mer)?s? (?:called|call|asked|said)|(?:it|the (?:message|pop-?up|screen|email|e-mail|letter|text|website|warning)) (?:said|says|told me|tells me)|i(?:'m| am| keep| have been|'ve been) (?:getting|seeing|receiving) (?:an? |this |these |some )?(?:error|message|pop-?up|warning|notification)s?|(?:saying|says) (?:that )?my)\b/i;

/**
 * Hits over the caller's turns, turn by turn. A turn that reports what someone else said is skipped,
 * so a relative or customer describing a scam is not taken for the scammer.
 */
export function detectCallerTactics(turns: readonly string[]): TacticHit[] {
  const hits: TacticHit[] = [];
  turns.forEach((t, turn) => {
    if (REPORTED.test(t)) return;
    for (const h of detectTactics(t)) hits.push({ ...h, turn });
  });
  return hits;
}

/** A clause whose subject or verb denies everything it names. */
const DENYING_SUBJECT = /\b(?:nobody|no one|never|(?:will|would|'ll) not|won't)\b/i;

const CONDITIONAL = /\b(?:if|unless|otherwise|or else)\b/i;

export const TACTIC_ORDER: readonly Tactic[] = ['impersonation', 'urgency', 'secrecy', 'payment', 'credentials', 'remote-access'];

/** Distinct tactics among hits, in a stable order. */
export function tacticsOf(hits: readonly TacticHit[]): Tactic[] {
  const seen = new Set(hits.map((h) => h.tactic));
  return TACTIC_ORDER.filter((t) => seen.has(t));
}
