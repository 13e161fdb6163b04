"""Masking personal data before an editor sees a message, in the five languages."""

from __future__ import annotations

import pytest

from bot.studio.privacy import mask_personal_data

MASKED = [
    # e-mail addresses
    ("ru", "моя почта ivan.petrov@mail.ru, не приходит письмо",
     "моя почта [email], не приходит письмо"),
    ("nb", "e-posten min er kari+zoom@example.no", "e-posten min er [email]"),
    ("fr", "écrivez à jean-dupont@exemple.fr svp", "écrivez à [email] svp"),
    ("it", "la mia email è mario_rossi99@libero.it", "la mia email è [email]"),
    ("en", "contact me at john.smith@acme.co.uk", "contact me at [email]"),
    # phone numbers, international and local
    ("ru", "мой телефон +7 912 345-67-89, перезвоните", "мой телефон [phone], перезвоните"),
    ("ru", "звоните 8 (912) 345-67-89", "звоните [phone]"),
    ("ru", "городской 123-45-67", "городской [phone]"),
    ("nb", "ring meg på +47 912 34 567", "ring meg på [phone]"),
    ("nb", "mobilen min er 91234567", "mobilen min er [phone]"),
    ("fr", "mon numéro : 06 12 34 56 78", "mon numéro : [phone]"),
    ("fr", "appelez le 06.12.34.56.78 ou +33 6 12 34 56 78",
     "appelez le [phone] ou [phone]"),
    ("it", "il mio numero è 333 123 4567", "il mio numero è [phone]"),
    ("it", "chiamate lo 0039 02 1234 5678", "chiamate lo [phone]"),
    ("en", "call me on (555) 123-4567", "call me on [phone]"),
    ("en", "my number is +1-202-555-0143.", "my number is [phone]."),
    # card-like numbers (digit count, not Luhn: a mistyped card is masked too)
    ("ru", "карта 4111 1111 1111 1111 не проходит", "карта [card] не проходит"),
    ("nb", "kortnummer 5555-5555-5555-4444", "kortnummer [card]"),
    ("fr", "ma carte 4111111111111112 est refusée", "ma carte [card] est refusée"),
    ("it", "carta 3782 822463 10005 rifiutata", "carta [card] rifiutata"),
    ("en", "charged card 6011 0009 9013 9424 twice", "charged card [card] twice"),
    # names after a self-introduction
    ("ru", "меня зовут Иван Петров, не могу войти", "меня зовут [name], не могу войти"),
    ("ru", "Здравствуйте, меня зовут иван петров и у меня вопрос",
     "Здравствуйте, меня зовут [name] и у меня вопрос"),
    ("nb", "jeg heter Kari Nordmann og trenger hjelp", "jeg heter [name] og trenger hjelp"),
    ("nb", "Hei, dette er Ola Hansen fra Acme", "Hei, dette er [name] fra Acme"),
    ("fr", "je m'appelle Jean Dupont", "je m'appelle [name]"),
    ("fr", "Bonjour, je m’appelle jean dupont et je n'arrive pas à me connecter",
     "Bonjour, je m’appelle [name] et je n'arrive pas à me connecter"),
    ("it", "mi chiamo Mario Rossi e non riesco a entrare",
     "mi chiamo [name] e non riesco a entrare"),
    ("it", "Buongiorno, sono Giulia Bianchi", "Buongiorno, sono [name]"),
    ("en", "my name is John Smith, how do I reset my password?",
     "my name is [name], how do I reset my password?"),
    ("en", "Hi, this is Mary Jones from Acme", "Hi, this is [name] from Acme"),
    ("en", "I'm called bob", "I'm called [name]"),
    # a name given unasked ("I am …"), capitalised words only
    ("ru", "я Иван Петров, не могу войти", "я [name], не могу войти"),
    ("nb", "jeg er Kari Nordmann og får ikke logget inn",
     "jeg er [name] og får ikke logget inn"),
    ("fr", "je suis Marie Curie et mon micro ne marche pas",
     "je suis [name] et mon micro ne marche pas"),
    ("it", "io sono Luca Verdi, non sento nulla", "io sono [name], non sento nulla"),
    ("en", "I am Dana Brooks and my camera is black", "I am [name] and my camera is black"),
    # several at once
    ("en", "I'm called Ann Lee, ann@lee.io, +44 20 7946 0958",
     "I'm called [name], [email], [phone]"),
]

UNCHANGED = [
    # short numbers, codes, versions, times, dates, prices, priorities, IPs
    ("ru", "ошибка 1001 после обновления до 5.17.2"),
    ("ru", "встреча 15.03.2024 в 14:30 не началась"),
    ("ru", "тариф стоит 1 299 ₽ в месяц, приоритет P1"),
    ("ru", "моё имя неправильно отображается"),
    ("nb", "feilkode 403 i versjon 10.0.19045.2965"),
    ("nb", "møtet 2024-03-15 kl. 09:00 til 10:30"),
    ("nb", "abonnementet koster 12 500 kr per år"),
    ("nb", "mitt navn er feil på fakturaen"),
    ("nb", "det er ikke mulig å logge inn"),
    ("fr", "erreur 502 sur la version 6.0.1"),
    ("fr", "réunion le 15/03/2024 à 14h30, salle 204"),
    ("fr", "on m'a facturé 49,90 € au lieu de 1 299,00 €"),
    ("fr", "mon nom est mal affiché dans la réunion"),
    ("fr", "c'est impossible de partager l'écran"),
    ("it", "errore 1001 con la versione 5.17.2"),
    ("it", "la riunione delle 14:30 del 15.03.2024"),
    ("it", "pagato €1,299.99 per il piano P2"),
    ("it", "il mio nome è sbagliato nella fattura"),
    ("it", "sono bloccato da ieri"),
    ("en", "error 1001 after updating to 5.17.2"),
    ("en", "the meeting at 14:30 on 2024-03-15 failed, ID 123 456"),
    ("en", "I paid $1,299.99 for priority P1"),
    ("en", "my name is not shown in the meeting"),
    ("en", "this is broken since version 10.2"),
    ("en", "the server at 192.168.100.200 cannot connect"),
    # "I am" without a name after it
    ("ru", "я не могу войти в аккаунт"),
    ("nb", "jeg er ikke logget inn"),
    ("fr", "je suis bloqué sur l'écran d'accueil"),
    ("it", "io sono senza audio da ieri"),
    ("en", "I am unable to share my screen"),
    ("en", "I'm on the free plan"),
]


@pytest.mark.parametrize(("lang", "text", "expected"), MASKED,
                         ids=[f"{lang}-{i}" for i, (lang, _, _) in enumerate(MASKED)])
def test_personal_data_is_masked(lang, text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(("lang", "text"), UNCHANGED,
                         ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(UNCHANGED)])
def test_other_numbers_and_words_are_kept(lang, text):
    assert mask_personal_data(text) == text


def test_every_language_has_both_kinds_of_examples():
    for table in (MASKED, UNCHANGED):
        assert {lang for lang, *_ in table} == {"ru", "nb", "fr", "it", "en"}
