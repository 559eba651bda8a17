<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja" sourcelanguage="en">
<context>
    <name>Kiosk</name>
    <message>
        <source>Certificate issuing service</source>
        <translation>証明書交付サービス</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>もどる</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>中止する</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>次へ</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>文字を大きく</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>白黒反転</translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation>しばらくお待ちください…</translation>
    </message>
    <message>
        <source>Switch the language to {name}</source>
        <translation>言語を{name}に切り替える</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>進み具合</translation>
    </message>
    <message>
        <source>Residence, seal registration, family register and tax certificates</source>
        <translation>住民票・印鑑登録証明書・戸籍証明書・税証明書</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>はじめる</translation>
    </message>
    <message>
        <source>You need your My Number card and its 4-digit PIN.</source>
        <translation>マイナンバーカードと4桁の暗証番号が必要です。</translation>
    </message>
    <message>
        <source>Service hours: {start} – {end}</source>
        <translation>サービス時間：{start}～{end}</translation>
    </message>
    <message>
        <source>Choose your language</source>
        <translation>言語を選んでください</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>ただいま停止中です</translation>
    </message>
    <message>
        <source>This terminal cannot issue certificates at the moment. Please use another terminal or the municipal office counter.</source>
        <translation>ただいまこの端末では証明書を交付できません。別の端末か市区町村の窓口をご利用ください。</translation>
    </message>
    <message>
        <source>Place your My Number card on the reader</source>
        <translation>マイナンバーカードを読み取り部に置いてください</translation>
    </message>
    <message>
        <source>The card reader is to the right of the screen. Lay the card flat, face up.</source>
        <translation>読み取り部は画面の右にあります。カードを表向きに平らに置いてください。</translation>
    </message>
    <message>
        <source>Picture: the card lies on the reader beside the screen</source>
        <translation>図：カードは画面の横の読み取り部に置きます</translation>
    </message>
    <message>
        <source>Reading your card</source>
        <translation>カードを読み取っています</translation>
    </message>
    <message>
        <source>Do not move or remove the card.</source>
        <translation>カードを動かしたり、取り外したりしないでください。</translation>
    </message>
    <message>
        <source>Enter your 4-digit PIN</source>
        <translation>4桁の暗証番号を入力してください</translation>
    </message>
    <message>
        <source>The PIN for the user certificate (利用者証明用). Shield the keypad with your hand.</source>
        <translation>利用者証明用電子証明書の暗証番号です。手でかくして入力してください。</translation>
    </message>
    <message>
        <source>Tries left: {n}</source>
        <translation>残り回数：{n}回</translation>
    </message>
    <message>
        <source>Last try: if this PIN is wrong, the card will be locked.</source>
        <translation>あと1回です。間違えるとカードがロックされます。</translation>
    </message>
    <message>
        <source>That PIN was not correct.</source>
        <translation>暗証番号が違います。</translation>
    </message>
    <message>
        <source>PIN: {n} of 4 digits entered</source>
        <translation>暗証番号：4桁中{n}桁入力済み</translation>
    </message>
    <message>
        <source>Volume {n} of {steps}</source>
        <translation>音量：{steps}段階中{n}</translation>
    </message>
    <message>
        <source>The operator of the certificate service has suspended this terminal. Please use another terminal or the municipal office counter.</source>
        <translation>証明書交付サービスの運営者がこの端末の利用を停止しています。別の端末か市区町村の窓口をご利用ください。</translation>
    </message>
    <message>
        <source>The operator of the certificate service has taken this terminal out of service. Please use another terminal or the municipal office counter.</source>
        <translation>証明書交付サービスの運営者がこの端末での取扱いを終了しました。別の端末か市区町村の窓口をご利用ください。</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service. Please use another terminal or the municipal office counter.</source>
        <translation>この端末は証明書交付サービスに登録されていません。別の端末か市区町村の窓口をご利用ください。</translation>
    </message>
    <message>
        <source>Speech rate {n} of {steps}</source>
        <translation>話す速さ：{steps}段階中{n}</translation>
    </message>
    <message>
        <source>Digit {d}</source>
        <translation>数字 {d}</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>訂正</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>確定</translation>
    </message>
    <message>
        <source>Checking your card</source>
        <translation>カードを確認しています</translation>
    </message>
    <message>
        <source>Please remove your card</source>
        <translation>カードを取り外してください</translation>
    </message>
    <message>
        <source>Take your card from the reader and keep it with you.</source>
        <translation>カードを読み取り部から取り、お持ちください。</translation>
    </message>
    <message>
        <source>Which certificate do you need?</source>
        <translation>証明書の種類を選んでください</translation>
    </message>
    <message>
        <source>{fee} per copy</source>
        <translation>1部 {fee}</translation>
    </message>
    <message>
        <source>Not available: {reason}</source>
        <translation>ご利用になれません：{reason}</translation>
    </message>
    <message>
        <source>Choose what the certificate shows</source>
        <translation>証明書に記載する内容を選んでください</translation>
    </message>
    <message>
        <source>How many copies?</source>
        <translation>部数を選んでください</translation>
    </message>
    <message>
        <source>One copy fewer</source>
        <translation>1部へらす</translation>
    </message>
    <message>
        <source>One copy more</source>
        <translation>1部ふやす</translation>
    </message>
    <message>
        <source>{n} copies</source>
        <translation>{n}部</translation>
    </message>
    <message>
        <source>{fee} × {n} = {total}</source>
        <translation>{fee} × {n}部 = {total}</translation>
    </message>
    <message>
        <source>Please check your request</source>
        <translation>内容を確認してください</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>証明書</translation>
    </message>
    <message>
        <source>Copies</source>
        <translation>部数</translation>
    </message>
    <message>
        <source>Total fee</source>
        <translation>手数料合計</translation>
    </message>
    <message>
        <source>Confirm and request</source>
        <translation>確認して申請する</translation>
    </message>
    <message>
        <source>Preparing your certificate</source>
        <translation>証明書を準備しています</translation>
    </message>
    <message>
        <source>This takes a few seconds. Nothing is charged yet.</source>
        <translation>数秒かかります。まだ料金はかかりません。</translation>
    </message>
    <message>
        <source>Please insert {total}</source>
        <translation>{total}を入れてください</translation>
    </message>
    <message>
        <source>Inserted: {amount}</source>
        <translation>投入金額：{amount}</translation>
    </message>
    <message>
        <source>Still to pay: {amount}</source>
        <translation>不足金額：{amount}</translation>
    </message>
    <message>
        <source>Your change: {amount}</source>
        <translation>おつり：{amount}</translation>
    </message>
    <message>
        <source>Accepted: {coins} yen coins and {notes} yen notes.</source>
        <translation>使えるお金：{coins}円硬貨、{notes}円札</translation>
    </message>
    <message>
        <source>No change available: please insert the exact amount.</source>
        <translation>おつりが出せません。ちょうどの金額を入れてください。</translation>
    </message>
    <message>
        <source>Cancel and return my money</source>
        <translation>中止してお金を返す</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>印刷しています</translation>
    </message>
    <message>
        <source>Page {done} of {total}</source>
        <translation>{total}枚中 {done}枚目</translation>
    </message>
    <message>
        <source>Printing can take a couple of minutes. Please do not leave.</source>
        <translation>印刷には数分かかることがあります。その場を離れないでください。</translation>
    </message>
    <message>
        <source>Take your certificates</source>
        <translation>証明書をお取りください</translation>
    </message>
    <message>
        <source>and your change: {amount}</source>
        <translation>おつり：{amount}もお取りください</translation>
    </message>
    <message>
        <source>Check that nothing is left behind: certificates, change and your card.</source>
        <translation>証明書・おつり・カードのお取り忘れにご注意ください。</translation>
    </message>
    <message>
        <source>I have taken everything</source>
        <translation>受け取りました</translation>
    </message>
    <message>
        <source>Thank you</source>
        <translation>ご利用ありがとうございました</translation>
    </message>
    <message>
        <source>Your session has ended. No personal data is kept.</source>
        <translation>終了しました。個人情報はこの端末に残りません。</translation>
    </message>
    <message>
        <source>Ending your session</source>
        <translation>終了しています</translation>
    </message>
    <message>
        <source>Do you need more time?</source>
        <translation>操作を続けますか？</translation>
    </message>
    <message>
        <source>Without an answer the session ends in {n} seconds.</source>
        <translation>操作がないと、あと{n}秒で終了します。</translation>
    </message>
    <message>
        <source>Yes, more time</source>
        <translation>はい、続ける</translation>
    </message>
    <message>
        <source>No, end now</source>
        <translation>いいえ、終了する</translation>
    </message>
    <message>
        <source>Certificate of residence (住民票の写し)</source>
        <translation>住民票の写し</translation>
    </message>
    <message>
        <source>Certificate of residence entries (住民票記載事項証明書)</source>
        <translation>住民票記載事項証明書</translation>
    </message>
    <message>
        <source>Seal registration certificate (印鑑登録証明書)</source>
        <translation>印鑑登録証明書</translation>
    </message>
    <message>
        <source>Family register, all entries (戸籍全部事項証明書)</source>
        <translation>戸籍全部事項証明書</translation>
    </message>
    <message>
        <source>Family register, one person (戸籍個人事項証明書)</source>
        <translation>戸籍個人事項証明書</translation>
    </message>
    <message>
        <source>Address record kept with the family register (戸籍の附票の写し)</source>
        <translation>戸籍の附票の写し</translation>
    </message>
    <message>
        <source>Income and tax certificate (所得・課税証明書)</source>
        <translation>所得・課税証明書</translation>
    </message>
    <message>
        <source>Whose entries</source>
        <translation>請求の範囲</translation>
    </message>
    <message>
        <source>Registered domicile and head of the family register</source>
        <translation>本籍・筆頭者</translation>
    </message>
    <message>
        <source>Head of household and relationship</source>
        <translation>世帯主・続柄</translation>
    </message>
    <message>
        <source>Individual number (My Number)</source>
        <translation>個人番号（マイナンバー）</translation>
    </message>
    <message>
        <source>Only me</source>
        <translation>本人のみ</translation>
    </message>
    <message>
        <source>My whole household</source>
        <translation>世帯全員</translation>
    </message>
    <message>
        <source>Leave out</source>
        <translation>記載しない</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>記載する</translation>
    </message>
    <message>
        <source>This certificate cannot be issued here</source>
        <translation>この証明書はここでは交付できません</translation>
    </message>
    <message>
        <source>There is a problem with the card</source>
        <translation>カードに問題があります</translation>
    </message>
    <message>
        <source>The service cannot be reached</source>
        <translation>サービスに接続できません</translation>
    </message>
    <message>
        <source>The printer has a problem</source>
        <translation>プリンターに問題があります</translation>
    </message>
    <message>
        <source>The money unit has a problem</source>
        <translation>入金機に問題があります</translation>
    </message>
    <message>
        <source>The certificate could not be checked</source>
        <translation>証明書を確認できませんでした</translation>
    </message>
    <message>
        <source>The session ended because there was no answer</source>
        <translation>操作がなかったため終了しました</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>中止しました</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>エラーが発生しました</translation>
    </message>
    <message>
        <source>The terminal has a problem</source>
        <translation>端末に問題があります</translation>
    </message>
    <message>
        <source>Please start again.</source>
        <translation>もう一度はじめからお試しください。</translation>
    </message>
    <message>
        <source>Please take your card and start again.</source>
        <translation>カードを取り、もう一度はじめからお試しください。</translation>
    </message>
    <message>
        <source>Please ask at the counter of your municipal office.</source>
        <translation>市区町村の窓口でおたずねください。</translation>
    </message>
    <message>
        <source>Please ask the store staff for help. Do not leave the terminal.</source>
        <translation>店員をお呼びください。端末から離れないでください。</translation>
    </message>
    <message>
        <source>Please use another terminal.</source>
        <translation>別の端末をご利用ください。</translation>
    </message>
    <message>
        <source>You can close this message.</source>
        <translation>このメッセージを閉じてください。</translation>
    </message>
    <message>
        <source>{amount} has been returned. Please take it.</source>
        <translation>{amount}をお返ししました。お取りください。</translation>
    </message>
    <message>
        <source>The money could not be returned. Take the refund slip ({voucher}) to the store counter.</source>
        <translation>お金をお返しできませんでした。返金票（{voucher}）をレジにお持ちください。</translation>
    </message>
    <message>
        <source>You have not been charged.</source>
        <translation>料金はかかっていません。</translation>
    </message>
    <message>
        <source>The certificate on your card cannot be checked</source>
        <translation>カードの電子証明書を確認できません</translation>
    </message>
    <message>
        <source>The certificate on your card has expired. Renew it at your municipal office</source>
        <translation>カードの電子証明書の有効期限が切れています。市区町村の窓口で更新してください</translation>
    </message>
    <message>
        <source>The certificate on your card is no longer valid</source>
        <translation>カードの電子証明書は失効しています</translation>
    </message>
    <message>
        <source>This municipality does not issue certificates for this card</source>
        <translation>このカードの証明書はこの市区町村では交付できません</translation>
    </message>
    <message>
        <source>Your card could not be confirmed</source>
        <translation>カードを確認できませんでした</translation>
    </message>
    <message>
        <source>The time to confirm your card ran out</source>
        <translation>カードの確認時間が過ぎました</translation>
    </message>
    <message>
        <source>This card confirmation was already used</source>
        <translation>このカード確認はすでに使われています</translation>
    </message>
    <message>
        <source>Certificates are issued here only from age 15</source>
        <translation>15歳未満の方はご利用になれません</translation>
    </message>
    <message>
        <source>Certificates cannot be issued here while a move-out is registered</source>
        <translation>転出の届出中のため、ここでは交付できません</translation>
    </message>
    <message>
        <source>Please ask at the municipal office counter for this certificate</source>
        <translation>この証明書は市区町村の窓口で請求してください</translation>
    </message>
    <message>
        <source>No certificate can be issued for this card</source>
        <translation>このカードでは証明書を交付できません</translation>
    </message>
    <message>
        <source>No seal is registered for this card holder</source>
        <translation>印鑑登録がありません</translation>
    </message>
    <message>
        <source>No tax record for this year is available here</source>
        <translation>今年度の課税情報がありません</translation>
    </message>
    <message>
        <source>Your family register is in another municipality: prior registration is needed</source>
        <translation>本籍地が他の市区町村です。事前の利用登録が必要です</translation>
    </message>
    <message>
        <source>The municipality of your family register does not issue certificates at kiosks</source>
        <translation>本籍地の市区町村は、この端末での証明書交付を行っていません</translation>
    </message>
    <message>
        <source>This certificate contains characters the terminal cannot print</source>
        <translation>この端末で印刷できない文字が含まれています</translation>
    </message>
    <message>
        <source>Outside service hours: certificates are issued from 6:30 to 23:00</source>
        <translation>サービス時間外です（6:30～23:00）</translation>
    </message>
    <message>
        <source>Family register certificates are issued on weekdays in office hours</source>
        <translation>戸籍証明書は平日の開庁時間のみ交付します</translation>
    </message>
    <message>
        <source>Your PIN is locked. Bring the card to your municipal office counter to reset it</source>
        <translation>暗証番号がロックされています。カードを持って市区町村の窓口で再設定してください</translation>
    </message>
    <message>
        <source>The card was removed too early</source>
        <translation>カードが途中で取り外されました</translation>
    </message>
    <message>
        <source>This is not a My Number card</source>
        <translation>マイナンバーカードではありません</translation>
    </message>
    <message>
        <source>The card reader is not working</source>
        <translation>カード読み取り部が使えません</translation>
    </message>
    <message>
        <source>The card could not be read</source>
        <translation>カードを読み取れませんでした</translation>
    </message>
    <message>
        <source>This card reader is not allowed</source>
        <translation>このカード読み取り機は使えません</translation>
    </message>
    <message>
        <source>The issuing service cannot be reached</source>
        <translation>交付サービスに接続できません</translation>
    </message>
    <message>
        <source>The issuing service did not answer in time</source>
        <translation>交付サービスから応答がありません</translation>
    </message>
    <message>
        <source>This terminal needs maintenance</source>
        <translation>この端末は点検が必要です</translation>
    </message>
    <message>
        <source>The issuing service reported an error</source>
        <translation>交付サービスでエラーが発生しました</translation>
    </message>
    <message>
        <source>This terminal has been suspended by the service operator</source>
        <translation>この端末は運営者により利用停止中です</translation>
    </message>
    <message>
        <source>This terminal has been taken out of service by the service operator</source>
        <translation>この端末での取扱いは運営者により終了しました</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service</source>
        <translation>この端末は証明書交付サービスに登録されていません</translation>
    </message>
    <message>
        <source>The printer is out of paper</source>
        <translation>用紙がありません</translation>
    </message>
    <message>
        <source>Paper is jammed in the printer</source>
        <translation>プリンターに紙がつまりました</translation>
    </message>
    <message>
        <source>The printer is offline</source>
        <translation>プリンターが使えません</translation>
    </message>
    <message>
        <source>Printing failed</source>
        <translation>印刷できませんでした</translation>
    </message>
    <message>
        <source>Printing took too long and was stopped</source>
        <translation>印刷に時間がかかりすぎたため中止しました</translation>
    </message>
    <message>
        <source>The money unit is not working</source>
        <translation>入金機が使えません</translation>
    </message>
    <message>
        <source>The money unit is busy</source>
        <translation>入金機が使用中です</translation>
    </message>
    <message>
        <source>The amount could not be accepted</source>
        <translation>この金額は受け付けられません</translation>
    </message>
    <message>
        <source>Not all of the change could be paid out</source>
        <translation>おつりの一部をお返しできませんでした</translation>
    </message>
    <message>
        <source>A coin or note is jammed in the money unit</source>
        <translation>入金機に硬貨またはお札がつまりました</translation>
    </message>
    <message>
        <source>This request was already issued</source>
        <translation>この申請はすでに交付されています</translation>
    </message>
    <message>
        <source>The terminal stopped unexpectedly</source>
        <translation>端末が停止しました</translation>
    </message>
    <message>
        <source>The terminal is shutting down</source>
        <translation>端末を停止しています</translation>
    </message>
    <message>
        <source>The certificate data did not match this request</source>
        <translation>証明書のデータが申請と一致しませんでした</translation>
    </message>
    <message>
        <source>Call staff</source>
        <translation>係員を呼ぶ</translation>
    </message>
    <message>
        <source>Staff have been called. Please wait at the terminal.</source>
        <translation>係員を呼びました。端末の前でお待ちください。</translation>
    </message>
    <message>
        <source>Voice guide</source>
        <translation>音声案内</translation>
    </message>
    <message>
        <source>Voice guidance is on. Move with the arrow keys or 2, 4, 6 and 8; choose with 5 or Enter. Plus: help and repeat. Minus: cancel. Star: call staff.</source>
        <translation>音声案内を開始します。矢印キー、または2、4、6、8で移動し、5または決定キーで選びます。プラスは案内のくり返し、マイナスは中止、アスタリスクは係員の呼び出しです。</translation>
    </message>
    <message>
        <source>Voice guidance is off.</source>
        <translation>音声案内を終了します。</translation>
    </message>
    <message>
        <source>Digit entered</source>
        <translation>入力しました</translation>
    </message>
    <message>
        <source>Digit deleted</source>
        <translation>1けた消しました</translation>
    </message>
    <message>
        <source>PIN cleared</source>
        <translation>暗証番号を消しました</translation>
    </message>
    <message>
        <source>Four digits entered. Press Enter to confirm.</source>
        <translation>4けた入力しました。決定キーを押してください。</translation>
    </message>
    <message>
        <source>{amount} yen</source>
        <translation>{amount}円</translation>
    </message>
    <message>
        <source>{name}, selected</source>
        <translation>{name}、選択中</translation>
    </message>
    <message>
        <source>{n} choices. Use the arrow keys to hear them.</source>
        <translation>選択肢は{n}つです。矢印キーで順に聞くことができます。</translation>
    </message>
    <message>
        <source>Please take your card</source>
        <translation>カードをお取りください</translation>
    </message>
    <message>
        <source>Your card is still on the reader.</source>
        <translation>カードが読み取り部に残っています。</translation>
    </message>
    <message>
        <source>Coins go into the coin slot and notes into the note slot, below the card reader.</source>
        <translation>硬貨は硬貨投入口へ、お札は紙幣投入口へ入れてください。どちらもカード読み取り部の下にあります。</translation>
    </message>
    <message>
        <source>Picture: the coin slot and the note slot below the card reader</source>
        <translation>図：カード読み取り部の下の硬貨投入口と紙幣投入口</translation>
    </message>
    <message>
        <source>Coins</source>
        <translation>硬貨</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>お札</translation>
    </message>
    <message>
        <source>Charged: {amount}</source>
        <translation>お支払い：{amount}</translation>
    </message>
</context>
</TS>
