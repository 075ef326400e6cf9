import { describe, expect, it } from 'vitest';
import { buildExplanation, cleanAnalyzerSentence, explanationFor } from '../../../../src/alerts/text/explanation.js';
import { resolveLocale, SUPPORTED_LOCALES } from '../../../../src/alerts/text/locales/index.js';
import type { Tactic } from '../../../../src/analysis/types.js';

const text = (lang: string) => resolveLocale(lang).explanation;
const src = (category: string, tactics: Tactic[], explanation = '') => ({ category, tactics, explanation });

describe('localized explanation', () => {
  it('builds the sentence from category and tactics, refined by the English explanation', () => {
    const job = src('government', ['impersonation', 'payment'], 'The caller claims to be from a government agency and demands payment in gift cards.');
    expect(buildExplanation(job, text('es'))).toBe('Quien llama dice ser de una agencia del gobierno y pide un pago con tarjetas regalo.');
    expect(buildExplanation(job, text('fr'))).toBe("L'appelant prétend être d'une administration et exige un paiement en cartes cadeaux.");
    expect(buildExplanation(job, text('de'))).toBe('Der Anrufer gibt sich als Behörde aus und verlangt eine Zahlung mit Gutscheinkarten.');
    expect(buildExplanation(job, text('it'))).toBe('Chi chiama dice di essere di un ente pubblico e chiede un pagamento con carte regalo.');
    expect(buildExplanation(job, text('pt'))).toBe('Quem liga diz ser do governo e pede pagamento com cartões-presente.');
  });

  it('names the agency, the payment and the credential the English sentence names', () => {
    const irs = src('government', ['impersonation', 'payment', 'urgency'], 'The caller claims to be from the IRS, demands payment in cryptocurrency and threatens arrest.');
    expect(buildExplanation(irs, text('es'))).toBe('Quien llama dice ser de la oficina de impuestos, pide un pago en criptomonedas y le amenaza con un arresto.');
    const ssa = src('government', ['impersonation', 'credentials'], 'The caller claims to be from the Social Security Administration and asks for your Social Security number.');
    expect(buildExplanation(ssa, text('de'))).toBe('Der Anrufer gibt sich als Sozialversicherung aus und fragt nach Ihrer Ausweisnummer.');
    const bank = src('bank', ['impersonation', 'payment', 'credentials'], 'The caller claims to be from your bank, demands moving your money to a "safe account" and asks for the code sent to your phone.');
    expect(buildExplanation(bank, text('fr'))).toBe('L\'appelant prétend être de votre banque, exige un virement vers un "compte sécurisé" et demande un code reçu par SMS.');
  });

  it('falls back to the generic wording of each tactic when the English sentence names nothing known', () => {
    const vague = src('tech-support', ['remote-access', 'secrecy'], 'Something odd happened.');
    expect(buildExplanation(vague, text('it'))).toBe("Chi chiama dice di essere dell'assistenza tecnica, chiede l'accesso remoto al dispositivo e le chiede di mantenere il segreto.");
  });

  it('names at most two demands, in the local analyzer order (payment, credentials, remote access, urgency, secrecy)', () => {
    const all = src('bank', ['secrecy', 'urgency', 'remote-access', 'credentials', 'payment']);
    expect(buildExplanation(all, text('en'))).toBe('The caller claims to be from your bank, demands an unusual payment and asks for personal or bank details.');
  });

  it('says "someone trusted" for impersonation without a category, and the generic sentence for nothing at all', () => {
    expect(buildExplanation(src('other', ['impersonation']), text('es'))).toBe('Quien llama se hace pasar por alguien de confianza.');
    for (const lang of SUPPORTED_LOCALES) {
      expect(buildExplanation(src('none', []), text(lang))).toBe(text(lang).generic);
      expect(buildExplanation(src('other', []), text(lang))).toBe(text(lang).generic);
    }
    const generics = new Set(SUPPORTED_LOCALES.map((l) => text(l).generic));
    expect(generics.size).toBe(SUPPORTED_LOCALES.length);
  });

  it('uses the analyzer sentence for English only, and builds one when it is empty', () => {
    const job = src('prize', ['payment'], 'The caller says you have won a prize and demands an up-front fee.');
    expect(explanationFor(job, resolveLocale('en'))).toBe(job.explanation);
    expect(explanationFor(job, resolveLocale('es'))).toBe('Quien llama dice que usted ha ganado un premio y pide una comisión por adelantado.');
    expect(explanationFor({ ...job, explanation: '  ' }, resolveLocale('en'))).toBe('The caller says you have won a prize and demands an unusual payment.');
  });

  it('masks any phone number the analyzer sentence quotes and flattens it to one line', () => {
    const s = cleanAnalyzerSentence('The caller, from +1 (212) 555-0123,\n asks you to call  0800 5550199.');
    expect(s).toBe('The caller, from +12*******23, asks you to call 08*******99.');
    expect(s).not.toMatch(/555/);
  });
});
