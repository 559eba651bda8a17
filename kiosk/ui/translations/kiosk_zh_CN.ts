<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Kiosk</name>
    <message>
        <source>Certificate issuing service</source>
        <extracomment>Display languages: code -&gt; name written in that language (never translated). .ts/.qm file stem per language (English is the source language: no file).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Large text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switch the language to {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Residence, seal registration, family register and tax certificates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You need your My Number card and its 4-digit PIN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service hours: {start} – {end}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose your language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This terminal cannot issue certificates at the moment. Please use another terminal or the municipal office counter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Place your My Number card on the reader</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The card reader is to the right of the screen. Lay the card flat, face up.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Picture: the card lies on the reader beside the screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading your card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Do not move or remove the card.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your 4-digit PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The PIN for the user certificate (利用者証明用). Shield the keypad with your hand.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tries left: {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last try: if this PIN is wrong, the card will be locked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That PIN was not correct.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN: {n} of 4 digits entered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Digit {d}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking your card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please remove your card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Take your card from the reader and keep it with you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which certificate do you need?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{fee} per copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not available: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose what the certificate shows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How many copies?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One copy fewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One copy more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} copies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{fee} × {n} = {total}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please check your request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total fee</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirm and request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preparing your certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This takes a few seconds. Nothing is charged yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please insert {total}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inserted: {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Still to pay: {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your change: {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accepted: {coins} yen coins and {notes} yen notes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No change available: please insert the exact amount.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel and return my money</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Page {done} of {total}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printing can take a couple of minutes. Please do not leave.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Take your certificates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>and your change: {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check that nothing is left behind: certificates, change and your card.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>I have taken everything</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thank you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session has ended. No personal data is kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ending your session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Do you need more time?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Without an answer the session ends in {n} seconds.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Yes, more time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No, end now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificate of residence (住民票の写し)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificate of residence entries (住民票記載事項証明書)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seal registration certificate (印鑑登録証明書)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Family register, all entries (戸籍全部事項証明書)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Family register, one person (戸籍個人事項証明書)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Family register annex (戸籍の附票の写し)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Income and tax certificate (所得・課税証明書)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Whose entries</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Registered domicile and head of the family register</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Head of household and relationship</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Individual number (My Number)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only me</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My whole household</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This certificate cannot be issued here</source>
        <extracomment>Title per error kind, used when a code has no entry of its own.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is a problem with the card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The service cannot be reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The printer has a problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The money unit has a problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate could not be checked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The session ended because there was no answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please start again.</source>
        <extracomment>What the customer can do next, per ``ErrorInfo.next_step``.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please take your card and start again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please ask at the counter of your municipal office.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please ask the store staff for help. Do not leave the terminal.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please use another terminal.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can close this message.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{amount} has been returned. Please take it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The money could not be returned. Take the refund slip ({voucher}) to the store counter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have not been charged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate on your card cannot be checked</source>
        <extracomment>Title per code: relay refusals and device faults. Keys follow the engine&apos;s codes.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate on your card has expired. Renew it at your municipal office</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate on your card is no longer valid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This municipality does not issue certificates for this card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your card could not be confirmed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The time to confirm your card ran out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This card confirmation was already used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificates are issued here only from age 15</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificates cannot be issued here while a move-out is registered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please ask at the municipal office counter for this certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No certificate can be issued for this card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No seal is registered for this card holder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No tax record for this year is available here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your family register is in another municipality: prior registration is needed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This certificate contains characters the terminal cannot print</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outside service hours: certificates are issued from 6:30 to 23:00</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Family register certificates are issued on weekdays in office hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your PIN is locked. Bring the card to your municipal office counter to reset it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The card was removed too early</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is not a My Number card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The card reader is not working</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The card could not be read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This card reader is not allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The issuing service cannot be reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The issuing service did not answer in time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This terminal needs maintenance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The issuing service reported an error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The printer is out of paper</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paper is jammed in the printer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The printer is offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printing failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printing took too long and was stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The money unit is not working</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The money unit is busy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The amount could not be accepted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not all of the change could be paid out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate data did not match this request</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
