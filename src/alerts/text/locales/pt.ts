import type { AlertLocale } from '../template.js';

/**
 * Portuguese, wording understood in Portugal and Brazil: "fraude" (not "golpe"/"burla"), "dispositivo"
 * (not "celular"/"telemóvel"), "revele" (not "partilhe"/"compartilhe").
 */
export const pt: AlertLocale = {
  lang: 'pt',
  headline: (brand, caller) => `${brand}: a chamada atual${caller ? ` de ${caller}` : ''} é provavelmente uma fraude.`,
  advice: { full: 'Desligue e nunca revele códigos ou PIN.', short: 'Desligue. Não revele códigos.' },
  callBack: {
    full: 'Para confirmar, ligue para um número de confiança, p. ex. o do seu cartão.',
    short: 'Ligue para um número de confiança.',
  },
  help: (number) => `Ajuda: ${number}.`,
  caveat: { full: 'Esta é uma avaliação automática e pode errar.', short: 'Aviso automático, pode errar.' },
  replyPrompt: 'Não é fraude? Responda',
  explanation: {
    subject: 'Quem liga',
    claims: {
      government: 'diz ser do governo',
      tax: 'diz ser do fisco',
      police: 'diz ser da polícia',
      'social-security': 'diz ser da segurança social',
      bank: 'diz ser do seu banco',
      'tech-support': 'diz ser do suporte técnico',
      family: 'diz ser um familiar em apuros',
      prize: 'diz que ganhou um prêmio',
      refund: 'oferece um reembolso',
      'someone-trusted': 'finge ser alguém de confiança',
    },
    demands: {
      payment: 'pede um pagamento fora do comum',
      'gift-cards': 'pede pagamento com cartões-presente',
      crypto: 'pede pagamento em criptomoedas',
      transfer: 'pede uma transferência de dinheiro',
      'safe-account': 'quer que mova o seu dinheiro para uma "conta segura"',
      cash: 'quer que entregue dinheiro em espécie',
      fee: 'pede uma taxa antecipada',
      credentials: 'pede dados pessoais ou bancários',
      'id-number': 'pede o seu número de identificação',
      pin: 'pede o seu PIN ou senha',
      code: 'pede um código enviado por SMS',
      card: 'pede os dados do seu cartão',
      account: 'pede os dados da sua conta',
      'online-banking': 'pede acesso ao seu banco online',
      'remote-access': 'quer acesso remoto ao seu dispositivo',
      'install-app': 'pede que instale um aplicativo',
      urgency: 'exige que aja de imediato',
      arrest: 'ameaça com prisão',
      legal: 'ameaça com ações judiciais',
      suspend: 'ameaça bloquear a sua conta',
      compromised: 'diz que a sua conta foi invadida',
      secrecy: 'pede sigilo',
    },
    and: ' e ',
    generic: 'Lembra fraudes conhecidas.',
  },
};
